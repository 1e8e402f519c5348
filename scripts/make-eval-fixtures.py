"""Fixtures for the per-frame metrics: scikit-image's PSNR and SSIM and the cpbd package's CPBD on real pictures.

    python3 -m venv .venv-eval
    .venv-eval/bin/pip install --isolated --cert /etc/ssl/certs/ca-certificates.crt scikit-image==0.26.0 \
        cpbd-py312==1.0.3 numpy==2.4.6 scipy==1.17.1 pillow==13.0.0
    .venv-eval/bin/python scripts/make-eval-fixtures.py

cpbd 1.0.7 no longer imports (it needs scipy.ndimage.imread); cpbd-py312 1.0.3 is the same algorithm.

Writes Tests/EvaluationTests/Fixtures/frame-metrics/:
    images/NAME.png             crops of data/astronaut.png and of the face detector's test photographs
                                (Tests/FaceAnalysisTests/Fixtures/images), sizes chosen so that CPBD's 64x64 blocks
                                leave a remainder
    images/pattern.png          a drawn picture of flat regions and hard edges (ties in Canny's suppression)
    images/NAME-DISTORTION.png  the same crop blurred (Pillow's GaussianBlur, radius 1.5), with seeded Gaussian
                                noise (sigma 12, rounded and clipped) and saved as JPEG at quality 10
    metrics.json                per pair (reference NAME, generated NAME-DISTORTION): peak_signal_noise_ratio(...,
                                data_range=255) and structural_similarity(..., channel_axis=2, gaussian_weights=True,
                                sigma=1.5, use_sample_covariance=False, data_range=255); per picture: cpbd's
                                compute() on Pillow's convert("L"), with its intermediate counts (Canny and Sobel
                                edge pixels, the grey picture's sum) so that a difference can be located
    VERSIONS.json               the versions that made them
"""
import importlib.metadata
import io
import json
import os
import sys

from tbdref import fixtures, versions

PINNED = {"numpy": "2.4.6", "scipy": "1.17.1", "skimage": "0.26.0", "PIL": "13.0.0"}
CPBD = ("cpbd-py312", "1.0.3")
OUT = os.path.join(fixtures.ROOT, "Tests", "EvaluationTests", "Fixtures", "frame-metrics")
PHOTOGRAPHS = os.path.join(fixtures.ROOT, "Tests", "FaceAnalysisTests", "Fixtures", "images")
# name: (source picture, crop box (left, top, right, bottom)); widths and heights not multiples of 64 on purpose.
CROPS = {
    "astronaut": (os.path.join(fixtures.ROOT, "data", "astronaut.png"), (150, 40, 286, 168)),
    "several": (os.path.join(PHOTOGRAPHS, "several.png"), (20, 60, 156, 180)),
    "cat": (os.path.join(PHOTOGRAPHS, "cat.png"), (80, 30, 216, 158)),
    "profile": (os.path.join(PHOTOGRAPHS, "profile.png"), (60, 40, 196, 136)),
}


def pattern():
    """A drawn picture of flat regions and hard edges (straight, diagonal, round): exact ties between gradient
    magnitudes, which real photographs rarely have, for Canny's non-maximum suppression to break."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (136, 128), (40, 40, 40))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 60, 50), fill=(220, 220, 220))
    draw.rectangle((70, 20, 120, 110), fill=(90, 160, 60))
    draw.ellipse((20, 60, 70, 110), fill=(200, 80, 80))
    draw.line((0, 127, 135, 0), fill=(250, 250, 120), width=3)
    draw.polygon([(80, 120), (130, 70), (130, 120)], fill=(30, 30, 200))
    return image


def distortions(image, seed):
    """{suffix: picture}: the three degradations a generated frame shows, each reproducible."""
    import numpy as np
    from PIL import Image, ImageFilter
    rng = np.random.default_rng(seed)
    noisy = np.asarray(image, dtype=np.float64) + rng.normal(0, 12, size=(image.height, image.width, 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=10)
    buffer.seek(0)
    return {
        "blur": image.filter(ImageFilter.GaussianBlur(1.5)),
        "noise": Image.fromarray(np.clip(np.round(noisy), 0, 255).astype(np.uint8)),
        "jpeg": Image.open(buffer).convert("RGB"),
    }


def cpbd_record(image):
    """cpbd's value on Pillow's grey picture, with the counts of its two edge maps."""
    import numpy as np
    from cpbd.compute import compute
    from cpbd.octave import sobel
    from skimage.feature import canny
    grey = np.asarray(image.convert("L"))
    as_float = grey.astype(np.float64)
    return {"cpbd": float(compute(grey)), "canny_edges": int(canny(as_float).sum()),
            "sobel_edges": int(sobel(as_float).sum()), "grey_sum": int(grey.astype(np.int64).sum())}


def main():
    import numpy as np
    from PIL import Image
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
    found = versions.require(PINNED)
    cpbd_version = importlib.metadata.version(CPBD[0])
    if cpbd_version != CPBD[1]:
        sys.exit(f"{CPBD[0]} {cpbd_version} found, pinned {CPBD[1]}")
    os.makedirs(os.path.join(OUT, "images"), exist_ok=True)
    pairs, pictures = [], {}
    sources = {name: Image.open(path).convert("RGB").crop(box) for name, (path, box) in CROPS.items()}
    sources["pattern"] = pattern()
    for seed, (name, reference) in enumerate(sources.items()):
        reference.save(os.path.join(OUT, "images", name + ".png"), optimize=True)
        pictures[name] = cpbd_record(reference)
        for suffix, generated in distortions(reference, seed).items():
            generated_name = f"{name}-{suffix}"
            generated.save(os.path.join(OUT, "images", generated_name + ".png"), optimize=True)
            pictures[generated_name] = cpbd_record(generated)
            a, b = np.asarray(reference), np.asarray(generated)
            pairs.append({
                "reference": name, "generated": generated_name,
                "psnr": float(peak_signal_noise_ratio(a, b, data_range=255)),
                "ssim": float(structural_similarity(a, b, channel_axis=2, gaussian_weights=True, sigma=1.5,
                                                   use_sample_covariance=False, data_range=255)),
            })
    with open(os.path.join(OUT, "metrics.json"), "w", encoding="utf-8") as handle:
        json.dump({"pairs": pairs, "pictures": pictures}, handle, indent=1, sort_keys=True)
        handle.write("\n")
    versions.write_record(os.path.join(OUT, "VERSIONS.json"), {**found, CPBD[0]: cpbd_version})
    fixtures.report_written(OUT)


if __name__ == "__main__":
    main()
