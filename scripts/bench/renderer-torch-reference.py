#!/usr/bin/env python3
"""PyTorch eager timings of the operations `tbd model bench` measures, with the same names, sizes and method
(median of N runs after one warm-up), for scripts/bench/50-renderer.sh to print side by side as ratios.

Usage: renderer-torch-reference.py --threads 2 --repeats 5 [--filter TEXT] [--model DIR]   (prints JSON)
With --filter, only the operations whose name contains TEXT (and the sgemm reference) run, as `tbd model bench
--filter` does. With --runtime openvino (and --only-model), the text encoder runs through OpenVINO instead
(openvino_runtime.py: the same module converted in memory, Float32, same threads, same token ids).
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

import openvino_runtime


class LastHiddenState(torch.nn.Module):
    """The text encoder with one output tensor, as OpenVINO's converter takes a module."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, ids):
        return self.model(ids, return_dict=False)[0]


def median(repeats, body):
    body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def attention(q, k, v, heads, causal=False):
    b, lq, width = q.shape
    split = lambda y: y.view(b, y.shape[1], heads, width // heads).transpose(1, 2)
    out = F.scaled_dot_product_attention(split(q), split(k), split(v), is_causal=causal)
    return out.transpose(1, 2).reshape(b, lq, width)


def operations(repeats, name_filter=None):
    r = lambda *shape: torch.rand(*shape) * 2 - 1
    a, b = r(2048, 2048), r(2048, 2048)
    x, w, bias = r(2, 77, 768), r(3072, 768), r(3072)
    y, w2, bias2 = r(2, 4096, 320), r(1280, 320), r(1280)
    image, kernel, kbias = r(1, 320, 64, 64), r(320, 320, 3, 3), r(320)
    pointwise = r(640, 320, 1, 1)
    q, k, v = r(1, 4096, 320), r(1, 4096, 320), r(1, 4096, 320)
    reference_k, reference_v = r(1, 8192, 320), r(1, 8192, 320)
    context = r(1, 77, 320)
    clip_q = r(2, 77, 768)
    cases = [
        ("sgemm 2048x2048x2048", lambda: a @ b),
        ("linear CLIP MLP [154,768]x[768,3072]", lambda: F.linear(x, w, bias)),
        ("linear UNet FF [8192,320]x[320,1280]", lambda: F.linear(y, w2, bias2)),
        ("conv2d 3x3 320->320 at 64x64", lambda: F.conv2d(image, kernel, kbias, padding=1)),
        ("conv2d 1x1 320->640 at 64x64", lambda: F.conv2d(image, pointwise)),
        ("self-attention 4096 tokens, 8 heads x 40", lambda: attention(q, k, v, 8)),
        ("reference attention 4096x8192 tokens, 8 heads x 40", lambda: attention(q, reference_k, reference_v, 8)),
        ("cross-attention 4096x77 tokens, 8 heads x 40", lambda: attention(q, context, context, 8)),
        ("causal self-attention 2x77 tokens, 12 heads x 64", lambda: attention(clip_q, clip_q, clip_q, 12, causal=True)),
    ]
    # The sgemm peak always runs, as the reference the other figures are read against.
    return [(name, median(repeats, body)) for index, (name, body) in enumerate(cases)
            if index == 0 or name_filter is None or name_filter in name]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--filter", help="time only the operations whose name contains this text")
    parser.add_argument("--model", help="a text encoder folder to time as well")
    parser.add_argument("--only-model", action="store_true", help="time only the text encoder")
    parser.add_argument("--runtime", choices=["torch", "openvino"], default="torch",
                        help="openvino: the text encoder through OpenVINO (with --only-model)")
    args = parser.parse_args()
    if args.runtime == "openvino" and not (args.only_model and args.model):
        parser.error("--runtime openvino times the text encoder only: give --model and --only-model")
    torch.set_num_threads(args.threads)
    results = []
    with torch.no_grad():
        if not args.only_model:
            results += operations(args.repeats, args.filter)
        if args.model:
            from transformers import CLIPTextModel
            model = CLIPTextModel.from_pretrained(args.model, torch_dtype=torch.float32).eval()  # never F16 on this side
            ids = torch.randint(0, 49406, (2, 77))
            if args.runtime == "openvino":
                compiled = openvino_runtime.compile_module(LastHiddenState(model), (ids,), args.threads, shapes=[list(ids.shape)])
                seconds = openvino_runtime.median_seconds(compiled, [ids.numpy()], args.repeats)
            else:
                seconds = median(args.repeats, lambda: model(ids))
            results.append(("CLIP text encoder 2x77 tokens", seconds))
    runtime = f"OpenVINO {openvino_runtime.version()}" if args.runtime == "openvino" else f"PyTorch {torch.__version__}"
    print(json.dumps({"threads": args.threads, "torch": torch.__version__, "runtime": runtime,
                      "results": [{"name": name, "seconds": seconds} for name, seconds in results]}))


if __name__ == "__main__":
    main()
