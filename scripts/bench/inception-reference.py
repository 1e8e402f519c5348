#!/usr/bin/env python3
"""The pytorch-fid side of scripts/bench/48-inception.sh, and the files both sides read.

  inception-reference.py prepare DIR --frames N
      DIR/original.pth: seeded random weights in pt_inception-2015-12-05-6726825d.pth's format (the seed and the
      values of scripts/make-eval-network-fixtures.py), converted into DIR/weights by scripts/convert-eval-weights.py;
      DIR/frames.safetensors: `images`, N seeded frames [N, 3, 64, 64] in [0, 1].
  inception-reference.py run DIR --threads 1 [--out FILE]
      pytorch-fid 0.3.0's InceptionV3([3]) on those weights, the frames in batches of 50 (fid_score's default)
      under torch.no_grad(); prints JSON with the seconds from the first batch to the last, and writes the
      features to FILE when given.
Runs in the environment of scripts/make-eval-network-fixtures.py (.venv-eval-nets: pytorch-fid needs torchvision,
hence PyPI's torch build).
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def fixture_script():
    path = os.path.join(ROOT, "scripts", "make-eval-network-fixtures.py")
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    spec = importlib.util.spec_from_file_location("make_eval_network_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(folder, frames):
    import numpy as np
    import torch
    import pytorch_fid.inception as fid
    from safetensors.torch import save_file
    seeded = fixture_script()
    template = fid._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    torch.save(seeded.random_state_dict(template, seeded.INCEPTION_SEED), os.path.join(folder, "original.pth"))
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "convert-eval-weights.py"), "--out",
                    os.path.join(folder, "weights"), "--inception", os.path.join(folder, "original.pth")],
                   check=True, capture_output=True)
    images = np.random.default_rng(1000).random((frames, 3, 64, 64), dtype=np.float32)
    save_file({"images": torch.from_numpy(images)}, os.path.join(folder, "frames.safetensors"))


def run(folder, threads, out):
    import torch
    import pytorch_fid.inception as fid
    from safetensors.torch import load_file, save_file
    torch.set_num_threads(threads)
    original = os.path.join(folder, "original.pth")
    fid.load_state_dict_from_url = lambda url, progress=True: torch.load(original, map_location="cpu", weights_only=True)
    model = fid.InceptionV3([fid.InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).eval()
    images = load_file(os.path.join(folder, "frames.safetensors"))["images"]
    features = []
    start = time.perf_counter()
    with torch.no_grad():
        for first in range(0, len(images), 50):
            features.append(model(images[first:first + 50])[0].reshape(-1, 2048))
    seconds = time.perf_counter() - start
    if out:
        save_file({"features": torch.cat(features)}, out)
    print(json.dumps({"seconds": seconds, "frames": len(images), "threads": threads}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["prepare", "run"])
    parser.add_argument("folder")
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out")
    arguments = parser.parse_args()
    if arguments.command == "prepare":
        prepare(arguments.folder, arguments.frames)
    else:
        run(arguments.folder, arguments.threads, arguments.out)


if __name__ == "__main__":
    main()
