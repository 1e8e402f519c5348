"""Fixtures for FVD: the Kinetics-400 I3D of piergiaj/pytorch-i3d on seeded random weights, and the 3-D operations.

    python3 -m venv .venv-i3d
    .venv-i3d/bin/pip install torch==2.13.0+cpu numpy==2.4.6 scipy==1.17.1 safetensors==0.8.0
    .venv-i3d/bin/python scripts/make-i3d-fixtures.py --i3d-source DIR

The network is piergiaj/pytorch-i3d's own `pytorch_i3d.py` (commit 05783d1, 2018-06-28), not vendored: --i3d-source
(or $TBD_I3D_SRC) names a checkout or a bare git directory of https://github.com/piergiaj/pytorch-i3d, and the
script copies that one file into a temporary folder and imports it from there. It runs as published; the script
adds only what StyleGAN-V's FVD does around its I3D: frames resized to 224x224 (bilinear, align_corners False),
scaled to [-1, 1], and the 400 logits averaged over time (TF-Hub's `RGB/inception_i3d/Mean`; piergiaj's `forward`
returns them per time position). The Fréchet distance is StyleGAN-V's `compute_fvd` formula: numpy means and
covariances (np.cov, rowvar=False) and scipy.linalg.sqrtm of the product, its real part.

The published weights cannot be fetched here, so the network gets random weights, saved with torch.save as
`rgb_imagenet.pt` is and converted by scripts/convert-eval-weights.py --i3d, as the real file would be. They are not
committed (about 50 MB): every value is a function of the seed and the tensor's name (`seeded_uniform_weights` of
make-eval-network-fixtures.py, reproduced by Tests/EvaluationTests/SeededUniformWeights.swift), and the SHA-256 of
the converted tensors is recorded so the Swift tests check they regenerate exactly what the converter wrote.

Writes:
    Tests/EvaluationTests/Fixtures/networks/i3d.safetensors
        video_square [1, 3, 16, 32, 32] and video_wide [1, 3, 20, 24, 40] in [0, 1], and features_* [1, 400]: the
        time-averaged logits after the resize to 224 and the scaling (20 frames give two positions in time);
        windows_generated and windows_reference [4, 400]: the features of the 16-frame windows of two sets of two
        32-frame clips whose 8-bit pixels are `clip_pixels` below (the Swift test makes the same clips)
    Tests/EvaluationTests/Fixtures/networks/i3d.json
        the seed, the weights' SHA-256, the FVD of the two sets both ways and of a set against itself
    Tests/TensorsTests/Fixtures/ops3d.safetensors
        F.conv3d on F.pad-ded inputs (strides, uneven padding), max pools padded with -inf, average pools
    VERSIONS-i3d.json beside i3d.safetensors: the versions and piergiaj's commit
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

from tbdref import fixtures, tensors, versions

PINNED = {"torch": "2.13.0+cpu", "numpy": "2.4.6", "scipy": "1.17.1", "safetensors": "0.8.0"}
COMMIT = "05783d11f9632b25fe3d50395a9c9bb51f848d6d"
ENVIRONMENT = "TBD_I3D_SRC"
OUT = os.path.join(fixtures.ROOT, "Tests", "EvaluationTests", "Fixtures", "networks")
CONVERTER = os.path.join(fixtures.ROOT, "scripts", "convert-eval-weights.py")
SEED = 26
SIDE = 224


def seeded_weights_module():
    """make-eval-network-fixtures.py, whose seeded_uniform_weights, random_state_dict and weights_digest the I3D's
    weights use too (its name has hyphens, so it is loaded from its path)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-eval-network-fixtures.py")
    spec = importlib.util.spec_from_file_location("make_eval_network_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def piergiaj_module(source, workdir):
    """pytorch_i3d.py at COMMIT, from a checkout or a bare git directory, imported from WORKDIR."""
    if os.path.isdir(os.path.join(source, ".git")) or os.path.isfile(os.path.join(source, "pytorch_i3d.py")):
        git = ["git", "-C", source]
    else:
        git = ["git", "--git-dir", source]
    head = subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    if head != COMMIT:
        sys.exit(f"{source} is at {head}; the fixtures are made from piergiaj/pytorch-i3d {COMMIT}")
    text = subprocess.run(git + ["show", "HEAD:pytorch_i3d.py"], check=True, capture_output=True, text=True).stdout
    path = os.path.join(workdir, "pytorch_i3d.py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    spec = importlib.util.spec_from_file_location("pytorch_i3d", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clip_pixels(clip, frames, height, width):
    """8-bit RGB frames [frames, height, width, 3] of test clip CLIP, a formula the Swift test repeats:
    (clip * 37 + t * 11 + y * 5 + x * 3 + c * 71 + (x * y) % 13) % 256."""
    import numpy as np
    t, y, x, c = np.meshgrid(np.arange(frames), np.arange(height), np.arange(width), np.arange(3), indexing="ij")
    return ((clip * 37 + t * 11 + y * 5 + x * 3 + c * 71 + (x * y) % 13) % 256).astype(np.uint8)


def features(model, videos):
    """StyleGAN-V's detector input from videos [N, 3, T, H, W] in [0, 1]: every frame resized to 224x224, scaled to
    [-1, 1]; the logits averaged over time."""
    import torch
    import torch.nn.functional as F
    n, c, t, h, w = videos.shape
    frames = videos.permute(0, 2, 1, 3, 4).reshape(n * t, c, h, w)
    frames = F.interpolate(frames, size=(SIDE, SIDE), mode="bilinear", align_corners=False)
    scaled = (frames * 2 - 1).reshape(n, t, c, SIDE, SIDE).permute(0, 2, 1, 3, 4).contiguous()
    with torch.no_grad():
        return model(scaled).mean(dim=2)


def frechet(a, b):
    """StyleGAN-V's compute_fvd of two feature sets."""
    import numpy as np
    import scipy.linalg
    mu_a, sigma_a = a.mean(axis=0), np.cov(a, rowvar=False)
    mu_b, sigma_b = b.mean(axis=0), np.cov(b, rowvar=False)
    s, _ = scipy.linalg.sqrtm(np.dot(sigma_a, sigma_b), disp=False)
    return float(np.real(np.square(mu_a - mu_b).sum() + np.trace(sigma_a + sigma_b - s * 2)))


def make_i3d(i3d, seeded, workdir):
    import numpy as np
    import torch
    template = i3d.InceptionI3d(400, in_channels=3)
    original = os.path.join(workdir, "random-rgb_imagenet.pt")
    torch.save(seeded.random_state_dict(template, SEED), original)
    converted = os.path.join(workdir, "i3d-converted")
    result = subprocess.run([sys.executable, CONVERTER, "--out", converted, "--i3d", original], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("convert-eval-weights.py failed: " + result.stderr.strip())
    model = i3d.InceptionI3d(400, in_channels=3)
    model.load_state_dict(torch.load(original, map_location="cpu", weights_only=True))
    model.eval()
    rng = np.random.default_rng(SEED)
    out = {"video_square": rng.random((1, 3, 16, 32, 32), dtype=np.float32),
           "video_wide": rng.random((1, 3, 20, 24, 40), dtype=np.float32)}
    for name in ["square", "wide"]:
        out["features_" + name] = features(model, torch.from_numpy(out["video_" + name])).numpy()
    sets = {}
    for key, first in [("generated", 0), ("reference", 2)]:
        windows = []
        for clip in (first, first + 1):
            pixels = clip_pixels(clip, 32, 24, 32)  # [T, H, W, 3]
            video = torch.from_numpy(pixels.astype(np.float32) / 255).permute(3, 0, 1, 2)  # [3, T, H, W]
            windows += [video[:, start:start + 16] for start in (0, 16)]
        sets[key] = features(model, torch.stack(windows)).numpy().astype(np.float64)
        out["windows_" + key] = sets[key]
    tensors.save_stable({k: torch.as_tensor(np.asarray(v, dtype=np.float32)) for k, v in out.items()},
                        os.path.join(OUT, "i3d.safetensors"))
    record = {"seed": SEED, "weights_sha256": seeded.weights_digest(os.path.join(converted, "i3d.safetensors")),
              "fvd_generated_reference": frechet(sets["generated"], sets["reference"]),
              "fvd_reference_generated": frechet(sets["reference"], sets["generated"]),
              "fvd_generated_generated": frechet(sets["generated"], sets["generated"])}
    with open(os.path.join(OUT, "i3d.json"), "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1, sort_keys=True)
        handle.write("\n")


def make_operations():
    """3-D convolutions and pools on small random inputs, as PyTorch computes them."""
    import torch
    import torch.nn.functional as F
    generator = torch.Generator().manual_seed(SEED)
    x = torch.randn(2, 3, 5, 9, 8, generator=generator)
    out = {"x": x}
    # (name, kernel, stride (time, space), padding (left, right, top, bottom, front, back))
    for name, kernel, stride, pad in [("same", (3, 3, 3), (1, 1), (1, 1, 1, 1, 1, 1)),
                                      ("stem", (3, 5, 5), (2, 2), (1, 2, 2, 2, 0, 1)),
                                      ("point", (1, 1, 1), (1, 1), (0, 0, 0, 0, 0, 0)),
                                      ("wide", (2, 1, 3), (1, 2), (0, 1, 0, 0, 2, 1))]:
        weight = torch.randn(4, 3, *kernel, generator=generator) / 5
        bias = torch.randn(4, generator=generator)
        out[f"conv_{name}_weight"], out[f"conv_{name}_bias"] = weight, bias
        out[f"conv_{name}"] = F.conv3d(F.pad(x, pad), weight, bias, stride=(stride[0], stride[1], stride[1]))
    for name, kernel, stride, pad in [("space", (1, 3, 3), (1, 2, 2), (0, 1, 0, 1, 0, 0)),
                                      ("cube", (3, 3, 3), (2, 2, 2), (0, 1, 1, 1, 1, 1)),
                                      ("inside", (3, 3, 3), (1, 1, 1), (1, 1, 1, 1, 1, 1))]:
        out[f"max_{name}"] = F.max_pool3d(F.pad(x, pad, value=float("-inf")), kernel, stride)
    out["average"] = F.avg_pool3d(x, (2, 3, 2), (1, 2, 1))
    tensors.save_stable(out, os.path.join(fixtures.TENSORS, "ops3d.safetensors"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--i3d-source", metavar="DIR", default=os.environ.get(ENVIRONMENT) or None,
                        help=f"a piergiaj/pytorch-i3d checkout or bare git directory at {COMMIT[:7]} (default: ${ENVIRONMENT})")
    arguments = parser.parse_args()
    if not arguments.i3d_source or not os.path.isdir(arguments.i3d_source):
        sys.exit(f"no piergiaj/pytorch-i3d source: pass --i3d-source DIR or set {ENVIRONMENT} "
                 "(git clone https://github.com/piergiaj/pytorch-i3d)")
    found = versions.require(PINNED)
    import torch
    torch.set_num_threads(1)
    workdir = tempfile.mkdtemp(prefix="tbd-i3d-fixtures-")
    try:
        make_operations()
        make_i3d(piergiaj_module(arguments.i3d_source, workdir), seeded_weights_module(), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    versions.write_record(os.path.join(OUT, "VERSIONS-i3d.json"), {**found, "pytorch-i3d": COMMIT})
    fixtures.report_written(OUT)


if __name__ == "__main__":
    main()
