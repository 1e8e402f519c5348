"""Fixtures for the face detector: facenet-pytorch's own MTCNN on real photographs, whole and stage by stage.

    python3 -m venv .venv-faces
    .venv-faces/bin/pip install --isolated --cert /etc/ssl/certs/ca-certificates.crt torch==2.13.0 \
        torchvision==0.28.0 numpy==2.4.6 pillow==13.0.0 scikit-image==0.26.0 safetensors==0.8.0 tqdm requests
    .venv-faces/bin/pip install --no-deps facenet-pytorch==2.6.0
    .venv-faces/bin/pip install opencv-python-headless==5.1.0.95
    .venv-faces/bin/python scripts/make-face-fixtures.py --hallo PATH   # Hallo's source, commit 8fd7c57

facenet-pytorch imports torchvision (its batched NMS), and PyPI's torchvision needs PyPI's (CUDA) torch build; it
runs on the CPU (docs/contributing.md). facenet-pytorch's requirements pin an older torch, hence --no-deps.

Writes Tests/FaceAnalysisTests/Fixtures/:
    images/*.png        the test photographs (see images/README.md): made here from data/astronaut.png and
                        scikit-image's CC0 samples, so they are reproducible from this script
    detections.json     MTCNN().detect(image, landmarks=True) per image: boxes, probabilities, landmarks, with
                        the package's defaults (min face 20, thresholds 0.6/0.7/0.7, factor 0.709, largest first)
    masks.safetensors   Hallo's mask pipeline (hallo/utils/util.py: expand_region, get_face_mask, get_lip_mask,
                        get_blur_mask, get_background_mask, get_sep_face_mask; the per-level Resize of
                        ImageProcessor) run on the astronaut's detection, its face box standing in for the face-oval
                        landmarks and the lip points FaceRegionMasks derives from the mouth corners for the lip ones
    stages.safetensors  stage by stage on data/astronaut.png: the area-resampled, normalised P-Net input at two
                        scales and P-Net's maps; R-Net and O-Net outputs for fixed crops
    VERSIONS.json       the versions that made them
"""
import argparse
import ast
import json
import os
import sys
import tempfile

from tbdref import fixtures, hallo_source, tensors, versions

PINNED = {"torch": "2.13.0+cu130", "torchvision": "0.28.0+cu130", "numpy": "2.4.6", "PIL": "13.0.0",
          "skimage": "0.26.0", "safetensors": "0.8.0", "cv2": "5.1.0"}
HALLO_MASK_CODE = ["lip_ids", "silhouette_ids", "expand_region", "get_lip_mask", "get_face_mask", "blur_mask",
                   "get_blur_mask", "get_background_mask", "get_sep_face_mask"]
FACENET = "2.6.0"
OUT = os.path.join(fixtures.ROOT, "Tests", "FaceAnalysisTests", "Fixtures")
ASTRONAUT = os.path.join(fixtures.ROOT, "data", "astronaut.png")


def photographs():
    """{name: PIL image} of the test photographs; each picks out one behaviour of the detector."""
    from PIL import Image, ImageOps
    import skimage.data
    astronaut = Image.open(ASTRONAUT).convert("RGB")
    coffee = Image.fromarray(skimage.data.coffee())
    several = coffee.resize((480, 320), Image.LANCZOS)
    several.paste(astronaut.resize((240, 240), Image.LANCZOS), (0, 40))
    several.paste(ImageOps.mirror(astronaut).resize((150, 150), Image.LANCZOS), (250, 20))
    several.paste(astronaut.resize((96, 96), Image.LANCZOS), (300, 200))
    small = coffee.resize((320, 214), Image.LANCZOS)
    small.paste(astronaut.resize((100, 100), Image.LANCZOS), (200, 90))
    return {
        "profile": Image.fromarray(skimage.data.camera()).convert("RGB").resize((256, 256), Image.LANCZOS),
        "several": several,
        "small": small,
        "no-face": coffee.resize((300, 200), Image.LANCZOS),
        "cat": Image.fromarray(skimage.data.chelsea()).resize((300, 200), Image.LANCZOS),
    }


def detections(mtcnn, image):
    import numpy as np
    boxes, probabilities, landmarks = mtcnn.detect(image, landmarks=True)
    if boxes is None:
        return []
    return [{"box": [float(v) for v in np.asarray(box, dtype=np.float32)],
             "probability": float(np.float32(probability)),
             "landmarks": [[float(v) for v in point] for point in np.asarray(marks, dtype=np.float32)]}
            for box, probability, marks in zip(boxes, probabilities, landmarks)]


def stages(mtcnn):
    """The cascade's networks on fixed inputs, as facenet-pytorch's detect_face prepares them."""
    import numpy as np
    import torch
    from PIL import Image
    from facenet_pytorch.models.utils.detect_face import imresample
    image = torch.as_tensor(np.array(Image.open(ASTRONAUT).convert("RGB"), dtype=np.uint8)).permute(2, 0, 1).unsqueeze(0).float()
    out = {}
    for label, scale in (("small", 0.6 * 0.709 ** 9), ("large", 0.6 * 0.709 ** 6)):  # two of the pyramid's scales
        size = (int(512 * scale + 1), int(512 * scale + 1))
        data = (imresample(image, size) - 127.5) * 0.0078125
        regression, probability = mtcnn.pnet(data)
        out[f"pnet_{label}.scale"] = torch.tensor([scale])
        out[f"pnet_{label}.input"] = data
        out[f"pnet_{label}.regression"] = regression
        out[f"pnet_{label}.probability"] = probability
    # Crops in (x1, y1, x2, y2), 1-based inclusive as detect_face slices them: the face, parts of it, background.
    crops = [(181, 62, 268, 172), (170, 40, 290, 190), (200, 95, 250, 145), (10, 10, 60, 60), (300, 300, 420, 480),
             (181, 62, 200, 90)]
    for name, side, network in (("rnet", 24, mtcnn.rnet), ("onet", 48, mtcnn.onet)):
        batch = torch.cat([imresample(image[:, :, y1 - 1:y2, x1 - 1:x2], (side, side)) for x1, y1, x2, y2 in crops])
        batch = (batch - 127.5) * 0.0078125
        outputs = network(batch)
        out[f"{name}.crops"] = torch.tensor(crops, dtype=torch.float32)
        out[f"{name}.input"] = batch
        out[f"{name}.regression"] = outputs[0]
        if name == "rnet":
            out[f"{name}.probability"] = outputs[1]
        else:
            out[f"{name}.landmarks"] = outputs[1]
            out[f"{name}.probability"] = outputs[2]
    return out


def hallo_mask_functions(source):
    """The definitions HALLO_MASK_CODE names, taken from Hallo's hallo/utils/util.py and run as they are (the rest
    of that module imports MediaPipe, moviepy and PyAV, which the mask code does not use)."""
    import cv2
    import numpy as np
    tree = ast.parse(hallo_source.read(source, "hallo/utils/util.py"))
    wanted = [node for node in tree.body
              if (isinstance(node, ast.FunctionDef) and node.name in HALLO_MASK_CODE)
              or (isinstance(node, ast.Assign) and any(getattr(t, "id", None) in HALLO_MASK_CODE for t in node.targets))]
    namespace = {"np": np, "cv2": cv2}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "hallo/utils/util.py", "exec"), namespace)
    return namespace


def masks(source, face, side=512):
    """Hallo's masks for FACE (a detections.json entry) on a SIDE x SIDE image, every level as Hallo resizes it."""
    import cv2
    import numpy as np
    import torch
    from PIL import Image
    from torchvision import transforms
    hallo = hallo_mask_functions(source)
    x1, y1, x2, y2 = face["box"]
    (lx, ly), (rx, ry) = face["landmarks"][3], face["landmarks"][4]
    reach = 0.25 * float(np.hypot(rx - lx, ry - ly))
    mx, my = (lx + rx) / 2, (ly + ry) / 2
    lips = [(lx, ly), (rx, ry), (mx, my - reach), (mx, my + reach)]
    landmarks = np.zeros((478, 2))
    for k, index in enumerate(hallo["silhouette_ids"]):
        landmarks[index] = [(x1, y1), (x2, y2)][k % 2]
    for k, index in enumerate(hallo["lip_ids"]):
        landmarks[index] = lips[k % 4]
    out = {}
    with tempfile.TemporaryDirectory(prefix="tbd-hallo-masks-") as folder:
        path = lambda name: os.path.join(folder, name + ".png")
        hallo["get_lip_mask"](landmarks, side, side, path("lip_mask"))
        hallo["get_face_mask"](landmarks, side, side, path("face_mask"), 1.2)
        hallo["get_blur_mask"](path("face_mask"), path("face_mask_blur"), kernel_size=(51, 51))
        hallo["get_blur_mask"](path("lip_mask"), path("sep_lip"), kernel_size=(31, 31))
        hallo["get_background_mask"](path("face_mask_blur"), path("sep_background"))
        hallo["get_sep_face_mask"](path("face_mask_blur"), path("sep_lip"), path("sep_face"))
        for name in ["face_mask", "lip_mask"]:  # a filled rectangle: kept as its columns x0..<x1, rows y0..<y1
            rows, columns = np.nonzero(cv2.imread(path(name), cv2.IMREAD_GRAYSCALE))
            out[name + ".rectangle"] = torch.tensor([columns.min(), columns.max() + 1, rows.min(), rows.max() + 1],
                                                    dtype=torch.float32)
        for name, key in [("sep_background", "full"), ("sep_face", "face"), ("sep_lip", "lip")]:
            image = Image.open(path(name))
            out[f"{key}.64x64"] = torch.tensor(np.array(image), dtype=torch.float32)
            for level, size in enumerate([side // 8, side // 16, side // 32, side // 64]):
                resize = transforms.Compose([transforms.Resize((size, size)), transforms.ToTensor()])  # as ImageProcessor
                out[f"{key}.level{level}"] = resize(image)[0]
    return out


def main():
    import importlib.metadata
    import torch
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    hallo_source.add_argument(parser)
    args = parser.parse_args()
    hallo_source.require(args.hallo)
    found = versions.require(PINNED)
    facenet = importlib.metadata.version("facenet-pytorch")
    if facenet != FACENET:
        sys.exit(f"facenet-pytorch {facenet} found, pinned {FACENET}")
    from facenet_pytorch import MTCNN
    torch.set_num_threads(1)
    mtcnn = MTCNN()  # the package's defaults, its trained weights
    os.makedirs(os.path.join(OUT, "images"), exist_ok=True)
    record = {"astronaut": detections(mtcnn, __import__("PIL.Image").Image.open(ASTRONAUT).convert("RGB"))}
    for name, image in photographs().items():
        image.save(os.path.join(OUT, "images", name + ".png"), optimize=True)
        record[name] = detections(mtcnn, image)
    with open(os.path.join(OUT, "detections.json"), "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1, sort_keys=True)
        handle.write("\n")
    with torch.no_grad():
        tensors.save_stable(stages(mtcnn), os.path.join(OUT, "stages.safetensors"))
    tensors.save_stable(masks(args.hallo, record["astronaut"][0]), os.path.join(OUT, "masks.safetensors"))
    versions.write_record(os.path.join(OUT, "VERSIONS.json"),
                          {**found, "facenet-pytorch": facenet, "hallo": hallo_source.commit(args.hallo)})
    fixtures.report_written(OUT)


if __name__ == "__main__":
    main()
