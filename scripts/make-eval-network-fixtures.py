"""Fixtures for the evaluation networks: pytorch-fid 0.3.0's Inception and Fréchet distance, lpips 0.1.4's AlexNet.

    python3 -m venv .venv-eval-nets
    .venv-eval-nets/bin/pip install --isolated --cert /etc/ssl/certs/ca-certificates.crt torch==2.13.0 \
        torchvision==0.28.0 pytorch-fid==0.3.0 lpips==0.1.4 scipy==1.17.1 numpy==2.4.6 pillow==13.0.0 safetensors==0.8.0
    .venv-eval-nets/bin/python scripts/make-eval-network-fixtures.py

pytorch-fid and lpips import torchvision, whose PyPI wheels need PyPI's (CUDA) torch; it runs on the CPU.

The published Inception and AlexNet weights cannot be fetched here, so both networks get random weights, written in
the original file format (torch.save of the state dict, as pt_inception-2015-12-05-6726825d.pth and
alexnet-owt-7be5be79.pth are) and converted by scripts/convert-eval-weights.py, as the real files would be. The
weights are not committed (about 100 MB for Inception): each value is a function of the tensor's name and a seed
(SeededUniformWeights below, reproduced in Swift by Tests/EvaluationTests/SeededUniformWeights.swift), so the Swift
tests regenerate them, and check that they are the converter's output through a SHA-256 recorded here. LPIPS's
linear layers are the real ones, from the installed package, converted too.

Writes Tests/EvaluationTests/Fixtures/networks/:
    inception.safetensors  inputs in [0, 1] ([2, 3, 64, 64] and [1, 3, 96, 128]) and InceptionV3([3])'s 2048-d
                           features of each (its resize to 299 and input scaling included)
    inception.json         the seed and the SHA-256 of the converted weights
    lpips.safetensors      image pairs in [-1, 1] ([3, 3, 64, 64] and [1, 3, 72, 96]), LPIPS per pair and per layer
    lpips-alex-linear.safetensors, lpips-alex-v0.1.pth
                           the package's linear layers as converted, and the file they came from (6 KB)
    lpips.json             the seed and the SHA-256 of the converted AlexNet weights
    frechet.safetensors    feature sets: 200 x 32 (a full-rank covariance) twice, and 20 x 64 twice (rank-deficient)
    frechet.json           calculate_frechet_distance of the sets' statistics (np.mean, np.cov(rowvar=False))
    VERSIONS.json          the versions that made them
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version

from tbdref import fixtures, tensors, versions

PINNED = {"torch": "2.13.0+cu130", "torchvision": "0.28.0+cu130", "pytorch_fid": "0.3.0", "scipy": "1.17.1",
          "numpy": "2.4.6", "PIL": "13.0.0", "safetensors": "0.8.0"}
LPIPS = "0.1.4"
OUT = os.path.join(fixtures.ROOT, "Tests", "EvaluationTests", "Fixtures", "networks")
CONVERTER = os.path.join(fixtures.ROOT, "scripts", "convert-eval-weights.py")
INCEPTION_SEED = 24
ALEXNET_SEED = 25

MASK64 = (1 << 64) - 1


def fnv1a64(text):
    value = 0xCBF29CE484222325
    for byte in text.encode():
        value = ((value ^ byte) * 0x100000001B3) & MASK64
    return value


def seeded_uniform_weights(name, shape, seed):
    """The tensor NAME of SHAPE: SplitMix64 seeded with SEED ^ FNV-1a(NAME), its k-th output (counter based) giving
    u = top 24 bits / 2^24 and s = 2u - 1, all in float32: kernels s * sqrt(6 / fan_in) (He-uniform, so activations
    keep their scale through ReLUs), running variances 0.5 + u, other vectors named *.weight 1 + s / 4, the rest
    s / 10 (biases, BatchNorm shifts and running means)."""
    import numpy as np
    count = int(np.prod(shape))
    state = np.uint64(seed ^ fnv1a64(name))
    steps = np.arange(1, count + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    z = state + steps
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24)
    s = np.float32(2) * u - np.float32(1)
    if len(shape) > 1:
        values = s * np.float32(np.sqrt(6.0 / (count // shape[0])))
    elif name.endswith("running_var"):
        values = np.float32(0.5) + u
    elif name.endswith(".weight"):
        values = np.float32(1) + s * np.float32(0.25)
    else:
        values = s * np.float32(0.1)
    return values.astype(np.float32).reshape(shape)


def random_state_dict(template, seed):
    """TEMPLATE's state dict with every float tensor replaced by seeded_uniform_weights (integer buffers kept)."""
    import torch
    return {name: torch.from_numpy(seeded_uniform_weights(name, list(value.shape), seed)) if value.is_floating_point()
            else value.clone() for name, value in template.state_dict().items()}


def weights_digest(path):
    """SHA-256 over the safetensors file's tensors in name order: name, a zero byte, the float32 values (little
    endian). Tests/EvaluationTests computes the same over the weights it generates."""
    from safetensors.numpy import load_file
    loaded = load_file(path)
    digest = hashlib.sha256()
    for name in sorted(loaded):
        digest.update(name.encode() + b"\0")
        digest.update(loaded[name].astype("<f4").tobytes())
    return digest.hexdigest()


def convert(arguments, out):
    result = subprocess.run([sys.executable, CONVERTER, "--out", out] + arguments, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("convert-eval-weights.py failed: " + result.stderr.strip())


def make_inception(workdir):
    import numpy as np
    import torch
    import pytorch_fid.inception as fid
    template = fid._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    original = os.path.join(workdir, "random-pt_inception-2015-12-05.pth")
    torch.save(random_state_dict(template, INCEPTION_SEED), original)
    converted = os.path.join(workdir, "inception-converted")
    convert(["--inception", original], converted)
    # pytorch-fid loads the published file through load_state_dict_from_url; it gets the random file instead.
    fid.load_state_dict_from_url = lambda url, progress=True: torch.load(original, map_location="cpu", weights_only=True)
    model = fid.InceptionV3([fid.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    rng = np.random.default_rng(INCEPTION_SEED)
    inputs = {"input_square": rng.random((2, 3, 64, 64), dtype=np.float32),
              "input_wide": rng.random((1, 3, 96, 128), dtype=np.float32)}
    result = dict(inputs)
    with torch.no_grad():
        for name, value in inputs.items():
            result["features_" + name.removeprefix("input_")] = model(torch.from_numpy(value))[0].reshape(len(value), 2048)
    tensors.save_stable({k: torch.as_tensor(v) for k, v in result.items()}, os.path.join(OUT, "inception.safetensors"))
    record = {"seed": INCEPTION_SEED, "weights_sha256": weights_digest(os.path.join(converted, "inception.safetensors"))}
    with open(os.path.join(OUT, "inception.json"), "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1, sort_keys=True)
        handle.write("\n")


def make_lpips(workdir):
    import numpy as np
    import torch
    import torchvision
    import lpips
    template = torchvision.models.alexnet(weights=None)
    original = os.path.join(workdir, "random-alexnet-owt.pth")
    state = random_state_dict(template, ALEXNET_SEED)
    torch.save(state, original)
    linear = os.path.join(os.path.dirname(lpips.__file__), "weights", "v0.1", "alex.pth")
    converted = os.path.join(workdir, "lpips-converted")
    convert(["--alexnet", original, "--lpips-linear", linear], converted)
    shutil.copyfile(os.path.join(converted, "lpips-alex-linear.safetensors"), os.path.join(OUT, "lpips-alex-linear.safetensors"))
    shutil.copyfile(linear, os.path.join(OUT, "lpips-alex-v0.1.pth"))
    model = lpips.LPIPS(net="alex", version="0.1", pnet_rand=True, verbose=False).eval()
    # lpips's slices hold torchvision's `features` modules under their own indices: features.i -> net.sliceK.i.
    slices = {0: 1, 1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3, 8: 4, 9: 4, 10: 5, 11: 5}
    backbone = {f"net.slice{slices[int(name.split('.')[1])]}.{name.split('.', 1)[1]}": value
                for name, value in state.items() if name.startswith("features.")}
    missing, unexpected = model.load_state_dict(backbone, strict=False)
    assert not unexpected and all(not name.startswith("net.") for name in missing), (missing, unexpected)
    rng = np.random.default_rng(ALEXNET_SEED)
    square = rng.random((3, 3, 64, 64), dtype=np.float32) * 2 - 1
    other = rng.random((3, 3, 64, 64), dtype=np.float32) * 2 - 1
    # Pairs: slightly noisy, unrelated, and one image against its mirror image.
    second = np.stack([np.clip(square[0] + 0.1 * other[0], -1, 1), other[1], square[2][:, :, ::-1]]).astype(np.float32)
    wide = rng.random((1, 3, 72, 96), dtype=np.float32) * 2 - 1
    wide_second = np.clip(wide + 0.2 * rng.standard_normal(wide.shape).astype(np.float32), -1, 1).astype(np.float32)
    result = {"square_a": square, "square_b": second, "wide_a": wide, "wide_b": wide_second}
    with torch.no_grad():
        for key, a, b in [("square", square, second), ("wide", wide, wide_second)]:
            total, layers = model(torch.from_numpy(a), torch.from_numpy(b), retPerLayer=True)
            result[f"distance_{key}"] = total.reshape(len(a))
            result[f"layers_{key}"] = torch.stack([layer.reshape(len(a)) for layer in layers], dim=1)
    tensors.save_stable({k: torch.as_tensor(np.ascontiguousarray(v)) for k, v in result.items()},
                        os.path.join(OUT, "lpips.safetensors"))
    record = {"seed": ALEXNET_SEED, "weights_sha256": weights_digest(os.path.join(converted, "alexnet.safetensors"))}
    with open(os.path.join(OUT, "lpips.json"), "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1, sort_keys=True)
        handle.write("\n")


def make_frechet():
    import numpy as np
    import torch
    from pytorch_fid.fid_score import calculate_frechet_distance
    rng = np.random.default_rng(51)
    mixing = rng.standard_normal((32, 32)) / 4
    sets = {
        "full_a": rng.standard_normal((200, 32)).astype(np.float32),
        "full_b": (rng.standard_normal((200, 32)) @ (np.eye(32) + mixing) + 0.3).astype(np.float32),
        "deficient_a": rng.standard_normal((20, 64)).astype(np.float32),
        "deficient_b": (rng.standard_normal((20, 64)) * 1.5 - 0.2).astype(np.float32),
    }

    def statistics(features):  # as pytorch-fid's calculate_activation_statistics
        return np.mean(features, axis=0), np.cov(features, rowvar=False)

    expected = {}
    for first, second in [("full_a", "full_b"), ("full_b", "full_a"), ("full_a", "full_a"),
                          ("deficient_a", "deficient_b")]:
        expected[f"{first}:{second}"] = float(calculate_frechet_distance(*statistics(sets[first]), *statistics(sets[second])))
    tensors.save_stable({k: torch.from_numpy(v) for k, v in sets.items()}, os.path.join(OUT, "frechet.safetensors"))
    with open(os.path.join(OUT, "frechet.json"), "w", encoding="utf-8") as handle:
        json.dump(expected, handle, indent=1, sort_keys=True)
        handle.write("\n")


def main():
    found = versions.require(PINNED)
    if version("lpips") != LPIPS:
        sys.exit(f"reference versions differ from the pinned ones: lpips {version('lpips')} found, pinned {LPIPS}")
    found["lpips"] = LPIPS
    import torch
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="tbd-eval-fixtures-")
    try:
        make_frechet()
        make_lpips(workdir)
        make_inception(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    versions.write_record(os.path.join(OUT, "VERSIONS.json"), found)
    fixtures.report_written(OUT)


if __name__ == "__main__":
    main()
