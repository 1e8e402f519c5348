"""Fixtures for the face detector: facenet-pytorch's own MTCNN on real photographs, whole and stage by stage.

    python3 -m venv .venv-faces
    .venv-faces/bin/pip install --isolated --cert /etc/ssl/certs/ca-certificates.crt torch==2.13.0 \
        torchvision==0.28.0 numpy==2.4.6 pillow==13.0.0 scikit-image==0.26.0 safetensors==0.8.0 tqdm requests
    .venv-faces/bin/pip install --no-deps facenet-pytorch==2.6.0
    .venv-faces/bin/python scripts/make-face-fixtures.py

facenet-pytorch imports torchvision (its batched NMS), and PyPI's torchvision needs PyPI's (CUDA) torch build; it
runs on the CPU (docs/contributing.md). facenet-pytorch's requirements pin an older torch, hence --no-deps.

Writes Tests/FaceAnalysisTests/Fixtures/:
    images/*.png        the test photographs (see images/README.md): made here from data/astronaut.png and
                        scikit-image's CC0 samples, so they are reproducible from this script
    detections.json     MTCNN().detect(image, landmarks=True) per image: boxes, probabilities, landmarks, with
                        the package's defaults (min face 20, thresholds 0.6/0.7/0.7, factor 0.709, largest first)
    stages.safetensors  stage by stage on data/astronaut.png: the area-resampled, normalised P-Net input at two
                        scales and P-Net's maps; R-Net and O-Net outputs for fixed crops
    VERSIONS.json       the versions that made them
"""
import json
import os
import sys

from tbdref import fixtures, tensors, versions

PINNED = {"torch": "2.13.0+cu130", "torchvision": "0.28.0+cu130", "numpy": "2.4.6", "PIL": "13.0.0",
          "skimage": "0.26.0", "safetensors": "0.8.0"}
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


def main():
    import importlib.metadata
    import torch
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
    versions.write_record(os.path.join(OUT, "VERSIONS.json"), {**found, "facenet-pytorch": facenet})
    fixtures.report_written(OUT)


if __name__ == "__main__":
    main()
