#!/usr/bin/env python3
"""PyTorch eager (or, with --runtime openvino, OpenVINO) side of the VAE decoder figures of scripts/bench/55-unet.sh:
diffusers' AutoencoderKL.decode on random latents [batch, 4, n, n] per latent size, on the same random-weight
checkpoint and thread count as `tbd model bench-vae`; one warm-up, then the median of N runs. Prints JSON."""
import argparse
import json
import resource
import statistics
import time

import torch
from diffusers import AutoencoderKL

import openvino_runtime


class Decoder(torch.nn.Module):
    """vae.decode with one output tensor, as OpenVINO's converter takes a module."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latents):
        return self.vae.decode(latents, return_dict=False)[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="a diffusers vae folder")
    parser.add_argument("--latent", default="64")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--runtime", choices=["torch", "openvino"], default="torch")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    vae = AutoencoderKL.from_pretrained(args.model, torch_dtype=torch.float32).eval()
    decoder = Decoder(vae)
    g = torch.Generator().manual_seed(1)
    results = []
    for size in (int(s) for s in args.latent.split(",")):
        latents = torch.randn(args.batch, 4, size, size, generator=g)
        with torch.no_grad():
            if args.runtime == "openvino":
                compiled = openvino_runtime.compile_module(decoder, (latents,), args.threads, shapes=[list(latents.shape)])
                seconds = openvino_runtime.median_seconds(compiled, [latents.numpy()], args.repeats)
                del compiled
            else:
                decoder(latents)
                times = []
                for _ in range(args.repeats):
                    begin = time.perf_counter()
                    decoder(latents)
                    times.append(time.perf_counter() - begin)
                seconds = statistics.median(times)
        results.append({"latent": size, "batch": args.batch, "seconds": seconds,
                        "peak_resident_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
    runtime = f"OpenVINO {openvino_runtime.version()}" if args.runtime == "openvino" else f"PyTorch {torch.__version__}"
    print(json.dumps({"threads": args.threads, "runtime": runtime, "results": results}))


if __name__ == "__main__":
    main()
