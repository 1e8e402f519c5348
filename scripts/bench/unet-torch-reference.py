#!/usr/bin/env python3
"""PyTorch eager side of scripts/bench/55-unet.sh: one UNet2DConditionModel evaluation (batch 2) per latent size
on the same random-weight checkpoint and thread count, with its FLOP count (torch.utils.flop_counter) and the
process's peak resident memory. Prints JSON."""
import argparse
import json
import resource
import statistics
import time

import torch
from diffusers import UNet2DConditionModel
from torch.utils.flop_counter import FlopCounterMode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="a diffusers unet folder")
    parser.add_argument("--latent", default="32")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    unet = UNet2DConditionModel.from_pretrained(args.model, torch_dtype=torch.float32).eval()
    load = time.perf_counter() - start
    g = torch.Generator().manual_seed(1)
    context = torch.randn(args.batch, 77, unet.config.cross_attention_dim, generator=g)
    results = []
    for size in (int(s) for s in args.latent.split(",")):
        sample = torch.randn(args.batch, unet.config.in_channels, size, size, generator=g)
        timestep = torch.tensor([500.0])
        with torch.no_grad():
            counter = FlopCounterMode(display=False)
            with counter:
                unet(sample, timestep, encoder_hidden_states=context)
            times = []
            for _ in range(args.repeats):
                begin = time.perf_counter()
                unet(sample, timestep, encoder_hidden_states=context)
                times.append(time.perf_counter() - begin)
        results.append({"latent": size, "batch": args.batch, "seconds": statistics.median(times),
                        "flops": counter.get_total_flops(),
                        "peak_resident_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
    print(json.dumps({"load_seconds": load, "threads": args.threads, "results": results}))


if __name__ == "__main__":
    main()
