#!/usr/bin/env python3
"""PyTorch eager side of scripts/bench/55-unet.sh: one UNet2DConditionModel evaluation (batch 2) per latent size
on the same random-weight checkpoint and thread count, with its FLOP count (torch.utils.flop_counter) and the
process's peak resident memory. With --runtime openvino, the same module and inputs through OpenVINO
(openvino_runtime.py: converted in memory, Float32, same threads), its IR kept at --ir for the next round.
Prints JSON."""
import argparse
import json
import resource
import statistics
import time

import torch
from diffusers import UNet2DConditionModel
from torch.utils.flop_counter import FlopCounterMode

import openvino_runtime


class Positional(torch.nn.Module):
    """The UNet with positional inputs and one output tensor, as OpenVINO's converter takes a module."""

    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, context):
        return self.unet(sample, timestep, encoder_hidden_states=context, return_dict=False)[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="a diffusers unet folder")
    parser.add_argument("--latent", default="32")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--runtime", choices=["torch", "openvino"], default="torch")
    parser.add_argument("--ir", help="OpenVINO: an .xml path where the converted UNet is kept between runs")
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
        if args.runtime == "openvino":
            with torch.no_grad():
                compiled = openvino_runtime.compile_module(
                    Positional(unet), (sample, timestep, context), args.threads,
                    shapes=[list(sample.shape), list(timestep.shape), list(context.shape)], cache=args.ir)
            inputs = [sample.numpy(), timestep.numpy(), context.numpy()]
            seconds = openvino_runtime.median_seconds(compiled, inputs, args.repeats)
            results.append({"latent": size, "batch": args.batch, "seconds": seconds, "flops": 0,
                            "peak_resident_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024})
            del compiled
            continue
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
    runtime = f"OpenVINO {openvino_runtime.version()}" if args.runtime == "openvino" else f"PyTorch {torch.__version__}"
    print(json.dumps({"load_seconds": load, "threads": args.threads, "runtime": runtime, "results": results}))


if __name__ == "__main__":
    main()
