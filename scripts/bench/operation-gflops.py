#!/usr/bin/env python3
"""Achieved GFLOP/s per operation against the machine's peak, for one network of the benchmarks: the CLIP text
encoder (2 x 77 tokens), the VAE decoder (batch 1) or the talking-head window (ReferenceNet + video UNet, CFG batch 2).

FLOPs: the reference modules run once on the benchmark's shapes with forward hooks on every nn.Conv2d (Hallo's
inflated 3-D convolutions included: the output's size counts the frames) and nn.Linear, and a torch function mode
that counts the attention products (scaled_dot_product_attention, bmm, baddbmm, batched matmul: q.k and p.v), 2
FLOPs per multiply-add. Norms and elementwise passes are not counted.

Time: each operation's share of the samples of a `perf record -g` profile of the release binary (its leaf symbols
mapped to tbd's kernels, below), counted from the first sample whose call chain enters the network (--marker), so
loading and the sgemm reference measurement are left out; times the median seconds of the benchmark's rounds.

Peak: cores x FP32 FMA lanes per cycle x 2 x clock. The lanes come from the CPU's vector width and its FMA pipes,
which no CPU flag reports: AVX-512 on AMD family 25 (Zen 4) runs on two 256-bit pipes (16 lanes a cycle), AVX-512
on Intel two 512-bit ports (32; some Xeons have one), AVX2 two 256-bit pipes (16); --lanes overrides. The clock is /proc/cpuinfo's
(a guest sees the nominal clock while the cores may boost), and --boost-ghz adds a column at another clock.

    .venv-hallo/bin/python scripts/bench/operation-gflops.py --network talking --model .build/bench-models/talking-sd15 \\
        --hallo HALLO_DIR --perf talking.perf --seconds 85.4
    .venv/bin/python scripts/bench/operation-gflops.py --network text-encoder --model .build/bench-models/sd15-random \\
        --perf clip.perf --seconds 0.295
"""
import argparse
import os
import re
import subprocess
import sys

# tbd's kernels by the leaf symbols perf reports for them (the packed product's tile is inlined into `product`;
# `tile` is the direct convolution's).
KERNELS = [
    ("conv3x3", re.compile(r"^(tile|tile_bf16|direct_convolution_\w+)$")),
    ("linear", re.compile(r"^(product|product_bf16|packed_matrix_\w+)$")),
    ("fused", re.compile(r"^(scores|accumulate|weigh|fused_attention_\w+)$")),
    ("blas", re.compile(r"sgemm|_(COOPERLAKE|SKYLAKEX|HASWELL|ZEN|PRESCOTT|SAPPHIRERAPIDS)$")),
]
LABELS = {
    "conv3x3": "3x3 stride-1 convolutions (direct kernel)",
    "linear": "linear layers (packed product)",
    "fused": "attention, 64 keys or more (fused kernel)",
    "blas": "OpenBLAS sgemm: 1x1 and strided convolutions, attention under 64 keys or causal",
    "rest": "norms, elementwise passes, copies, the rest",
}
MARKERS = {  # a symbol fragment of the network's forward pass in the release binary
    "text-encoder": "CLIPTextModelC14callAsFunction",
    "vae-decoder": "AutoencoderKLC9decode",
    "talking": "ReferenceNetC4bank",
}


def count_flops(network, args):
    """FLOPs per category of one forward pass of NETWORK's reference modules, on the benchmark's inputs."""
    import torch
    import torch.nn.functional as functional
    from torch.overrides import TorchFunctionMode
    flops = {"conv3x3": 0, "conv_other": 0, "linear": 0, "attention_long": 0, "attention_short": 0}
    causal = network == "text-encoder"  # CLIP's causal self-attention runs on OpenBLAS at 77 tokens

    def convolution(module, inputs, output):
        per_output = 2 * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        square = module.kernel_size == (3, 3) and module.stride == (1, 1) and module.groups == 1
        flops["conv3x3" if square else "conv_other"] += output.numel() * per_output

    def linear(module, inputs, output):
        flops["linear"] += 2 * output.numel() * module.in_features

    def attention(keys, products):
        flops["attention_short" if causal or keys < 64 else "attention_long"] += products

    pending_keys = []

    class AttentionCounter(TorchFunctionMode):
        def __torch_function__(self, func, types, args_=(), kwargs=None):
            kwargs = kwargs or {}
            if func is functional.scaled_dot_product_attention:
                q, k, v = args_[:3]
                batch = q.numel() // (q.shape[-2] * q.shape[-1])
                attention(k.shape[-2], 2 * batch * q.shape[-2] * k.shape[-2] * (q.shape[-1] + v.shape[-1]))
            elif func in (torch.bmm, torch.baddbmm, torch.matmul, torch.Tensor.matmul, torch.Tensor.__matmul__):
                a, b = (args_[1], args_[2]) if func is torch.baddbmm else (args_[0], args_[1])
                if a.dim() >= 3 and b.dim() >= 3:
                    # Products come in pairs, scores (q.k^T: the keys are b's last dimension) then values (p.v)
                    if pending_keys:
                        keys = pending_keys.pop()
                    else:
                        keys = b.shape[-1]
                        pending_keys.append(keys)
                    attention(keys, 2 * a.numel() * b.shape[-1])
            return func(*args_, **kwargs)

    modules, run = load(network, args)
    for module in modules:
        for layer in module.modules():
            if isinstance(layer, torch.nn.Conv2d):
                layer.register_forward_hook(convolution)
            elif isinstance(layer, torch.nn.Linear):
                layer.register_forward_hook(linear)
    with torch.no_grad(), AttentionCounter():
        run()
    return flops


def load(network, args):
    """The reference modules of NETWORK and a function that runs them once on the benchmark's inputs."""
    import torch
    generator = torch.Generator().manual_seed(1)
    if network == "text-encoder":
        from transformers import CLIPTextModel
        model = CLIPTextModel.from_pretrained(os.path.join(args.model, "text_encoder"), torch_dtype=torch.float32).eval()
        ids = torch.randint(0, 49406, (2, 77), generator=generator)
        return [model], lambda: model(ids)
    if network == "vae-decoder":
        from diffusers import AutoencoderKL
        vae = AutoencoderKL.from_pretrained(os.path.join(args.model, "vae"), torch_dtype=torch.float32).eval()
        latents = torch.randn(1, 4, args.latent, args.latent, generator=generator)
        return [vae], lambda: vae.decode(latents)
    # The talking window as scripts/bench/talking-torch-reference.py runs it on the PyTorch side.
    import importlib.util
    import tempfile
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.util.spec_from_file_location("talking_reference", os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "talking-torch-reference.py"))
    reference_script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference_script)
    fixtures = reference_script.fixture_script()
    hallo = fixtures.import_hallo(args.hallo, tempfile.mkdtemp(prefix="hallo-flops-"))
    reference, denoiser = reference_script.load_models(hallo, fixtures, args.model)
    inputs = reference_script.window_inputs(fixtures, args.model, args.latent, 16, 2)
    return [reference, denoiser], lambda: reference_script.window_step(hallo, reference, denoiser, inputs, 2)


def time_shares(perf_data, marker):
    """Each kernel's share of the profile's samples from the first one whose call chain contains MARKER."""
    script = subprocess.run(["perf", "script", "-i", perf_data, "-F", "time,ip,sym"], check=True, capture_output=True,
                            text=True).stdout
    counts = {name: 0 for name, _ in KERNELS} | {"rest": 0}
    started, samples = False, 0
    for sample in script.split("\n\n"):
        lines = [line.strip() for line in sample.strip().splitlines()]
        if len(lines) < 2:
            continue
        frames = [line.split(None, 1)[1] if " " in line else line for line in lines[1:]]
        if not started:
            started = any(marker in frame for frame in frames)
            if not started:
                continue
        leaf = frames[0].split("+")[0]
        samples += 1
        counts[next((name for name, pattern in KERNELS if pattern.search(leaf)), "rest")] += 1
    if samples == 0:
        sys.exit(f"no sample of {perf_data} enters {marker}: record with -g the command that runs the network")
    return {name: count / samples for name, count in counts.items()}, samples


def peak(lanes=None):
    """(cores, lanes, GHz, GFLOP/s) from /proc/cpuinfo; lanes is FP32 FMA lanes per cycle per core."""
    info = open("/proc/cpuinfo", encoding="utf-8").read()
    flags = re.search(r"^flags\s*:(.*)$", info, re.M).group(1).split()
    vendor = re.search(r"^vendor_id\s*:\s*(\S+)", info, re.M).group(1)
    family = int(re.search(r"^cpu family\s*:\s*(\d+)", info, re.M).group(1))
    ghz = float(re.search(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M).group(1)) / 1000
    if lanes is None:
        if "avx512f" in flags:
            lanes = 16 if vendor == "AuthenticAMD" and family == 25 else 32
        else:
            lanes = 16 if "fma" in flags else 8
    cores = os.cpu_count()
    return cores, lanes, ghz, cores * lanes * 2 * ghz


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--network", choices=sorted(MARKERS), required=True)
    parser.add_argument("--model", required=True, help="the checkpoint folder the benchmark ran")
    parser.add_argument("--hallo", default=os.environ.get("TBD_HALLO_SRC"), help="Hallo's source (talking only)")
    parser.add_argument("--latent", type=int, help="latent size (VAE 64, talking 32 by default)")
    parser.add_argument("--perf", required=True, help="perf.data of the release binary running the network")
    parser.add_argument("--marker", help="a symbol fragment of the network's forward pass (a default per network)")
    parser.add_argument("--seconds", type=float, required=True, help="the median seconds of one evaluation")
    parser.add_argument("--lanes", type=int, help="FP32 FMA lanes per cycle per core (derived from the CPU by default)")
    parser.add_argument("--boost-ghz", type=float, help="a second clock to give the peak at")
    args = parser.parse_args()
    args.latent = args.latent or (64 if args.network == "vae-decoder" else 32)
    if args.network == "talking" and not args.hallo:
        parser.error("--network talking needs --hallo DIR or TBD_HALLO_SRC")

    shares, samples = time_shares(args.perf, args.marker or MARKERS[args.network])
    counted = count_flops(args.network, args)
    flops = {"conv3x3": counted["conv3x3"], "linear": counted["linear"], "fused": counted["attention_long"],
             "blas": counted["conv_other"] + counted["attention_short"], "rest": 0}
    cores, lanes, ghz, top = peak(args.lanes)
    columns = [f"% of {top:.0f} ({ghz:.2f} GHz)"]
    boost = cores * lanes * 2 * args.boost_ghz if args.boost_ghz else None
    if boost:
        columns.append(f"% of {boost:.0f} ({args.boost_ghz:.2f} GHz)")
    print(f"{args.network}: {samples} profile samples; peak {cores} cores x {lanes} FP32 FMA lanes x 2 x clock; "
          f"{args.seconds} s per evaluation")
    print("| operation | GFLOP | share of time | seconds | GFLOP/s | " + " | ".join(columns) + " |")
    print("|---|---:|---:|---:|---:|" + "---:|" * len(columns))
    rows = [(LABELS[name], flops[name], shares[name]) for name in ["conv3x3", "linear", "fused", "blas", "rest"]]
    rows.append((f"whole {args.network}", sum(flops.values()), 1.0))
    for label, count, share in rows:
        if count == 0 and share == 0:
            continue
        seconds = share * args.seconds
        rate = count / 1e9 / seconds if count and seconds else None
        cells = [f"{100 * rate / top:.0f}%" if rate else "-"] + ([f"{100 * rate / boost:.0f}%" if rate else "-"] if boost else [])
        print(f"| {label} | {count / 1e9:.1f} | {100 * share:.1f}% | {seconds:.3f} | "
              f"{f'{rate:.0f}' if rate else '-'} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
