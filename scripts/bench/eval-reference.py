#!/usr/bin/env python3
"""The reference side of scripts/bench/47-eval.sh: what `tbd eval video` computes, with the reference packages.

  eval-reference.py GENERATED_DIR REFERENCE_DIR
      GENERATED_DIR and REFERENCE_DIR hold PNG frames, paired by index in name order (the first min(n, m));
      PSNR and SSIM as scikit-image computes them with the settings of docs/evaluation.md, averaged over the pairs;
      CPBD as cpbd.compute on Pillow's convert("L") of each generated frame, averaged. Prints JSON with the
      metrics, the frame count and the seconds from the first frame read to the last value.
Runs in .venv-eval (scripts/make-eval-fixtures.py's environment).
"""
import json
import os
import sys
import time


def frames(folder):
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if name.lower().endswith(".png")]


def main():
    import numpy as np
    from PIL import Image
    from cpbd import compute
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity
    generated, reference = frames(sys.argv[1]), frames(sys.argv[2])
    start = time.perf_counter()
    psnr, ssim, cpbd = [], [], []
    for index, path in enumerate(generated):
        image = Image.open(path).convert("RGB")
        cpbd.append(compute(np.asarray(image.convert("L"))))
        if index < len(reference):
            a, b = np.asarray(Image.open(reference[index]).convert("RGB")), np.asarray(image)
            psnr.append(peak_signal_noise_ratio(a, b, data_range=255))
            ssim.append(structural_similarity(a, b, channel_axis=2, gaussian_weights=True, sigma=1.5,
                                              use_sample_covariance=False, data_range=255))
    seconds = time.perf_counter() - start
    print(json.dumps({"metrics": {"psnr": float(np.mean(psnr)), "ssim": float(np.mean(ssim)), "cpbd": float(np.mean(cpbd))},
                      "frames": len(psnr), "seconds": seconds}))


if __name__ == "__main__":
    main()
