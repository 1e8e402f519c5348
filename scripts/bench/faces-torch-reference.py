#!/usr/bin/env python3
"""The facenet-pytorch side of scripts/bench/45-faces.sh.

  faces-torch-reference.py IMAGE --threads 1 --repeats 5
      MTCNN() with the package's defaults and trained weights, detect(image, landmarks=True) on the RGB image:
      the median of REPEATS runs after one warm-up; prints JSON with the peak resident memory.
Runs in the environment scripts/make-face-fixtures.py documents (.venv-faces: facenet-pytorch 2.6.0 needs
torchvision, hence PyPI's torch build).
"""
import argparse
import json
import resource
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("image")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    import torch
    from PIL import Image
    from facenet_pytorch import MTCNN
    torch.set_num_threads(args.threads)
    mtcnn = MTCNN()
    image = Image.open(args.image).convert("RGB")
    boxes, _, _ = mtcnn.detect(image, landmarks=True)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        boxes, _, _ = mtcnn.detect(image, landmarks=True)
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": sorted(times)[len(times) // 2], "faces": 0 if boxes is None else len(boxes),
                      "peak_resident_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == "__main__":
    main()
