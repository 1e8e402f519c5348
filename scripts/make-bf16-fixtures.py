#!/usr/bin/env python3
"""PyTorch's BFloat16 semantics for the BF16 kernels' tests (Tests/TensorsTests/BF16ReferenceTests.swift).

    python3 -m venv .venv
    .venv/bin/pip install 'torch==2.13.0+cpu' 'safetensors==0.8.0'
    .venv/bin/python scripts/make-bf16-fixtures.py

Writes Tests/TensorsTests/Fixtures/bf16.safetensors (all float32; a BF16 value is stored as the float it holds):
    round.x, round.out     values (ties between BF16 neighbours, subnormals, large ones) and x.to(torch.bfloat16)
    linear.x, .weight, .bias, .out
                           torch.nn.functional.linear on the BF16 casts of [13, 77] x [45, 77]^T + [45]: PyTorch's
                           bf16 result, rounded to BF16 at the end
    conv.x, .weight, .bias, .out
                           torch.nn.functional.conv2d on the BF16 casts of [2, 5, 7, 9] and [11, 5, 3, 3], padding 1
    attention.q, .k, .v, .out
                           torch.nn.functional.scaled_dot_product_attention on the BF16 casts of q [1, 80, 80] and
                           k, v [1, 130, 80] as 2 heads of 40 (the tensors [batch, length, heads * 40], as tbd's
                           attention takes them): PyTorch's bf16 attention, its output rounded to BF16
The torch and safetensors versions that made it are in the file's metadata.
"""
import os

import torch

from tbdref import versions
from tbdref.fixtures import TENSORS
from tbdref.tensors import save_stable

PINNED = {"torch": "2.13.0+cpu", "safetensors": "0.8.0"}


def main() -> None:
    found = versions.require(PINNED)
    generator = torch.Generator().manual_seed(22)
    r = lambda *shape: torch.rand(*shape, generator=generator) * 2 - 1
    one = 1.0
    ties = torch.tensor([one + 2**-8, one + 3 * 2**-8, -(one + 2**-8), 2**-130, 3.0e38, 1e-40, 0.0, -0.0])
    x = torch.cat([ties, r(56) * 100])
    tensors = {"round.x": x, "round.out": x.to(torch.bfloat16).float()}
    lx, lw, lb = r(13, 77), r(45, 77), r(45)
    tensors.update({"linear.x": lx, "linear.weight": lw, "linear.bias": lb,
                    "linear.out": torch.nn.functional.linear(lx.bfloat16(), lw.bfloat16(), lb.bfloat16()).float()})
    cx, cw, cb = r(2, 5, 7, 9), r(11, 5, 3, 3), r(11)
    tensors.update({"conv.x": cx, "conv.weight": cw, "conv.bias": cb,
                    "conv.out": torch.nn.functional.conv2d(cx.bfloat16(), cw.bfloat16(), cb.bfloat16(), padding=1).float()})
    aq, ak, av = r(1, 80, 80) * 3, r(1, 130, 80) * 3, r(1, 130, 80)
    split = lambda t: t.bfloat16().view(t.shape[0], t.shape[1], 2, 40).transpose(1, 2)
    attended = torch.nn.functional.scaled_dot_product_attention(split(aq), split(ak), split(av))
    tensors.update({"attention.q": aq, "attention.k": ak, "attention.v": av,
                    "attention.out": attended.transpose(1, 2).reshape(1, 80, 80).float()})
    path = os.path.join(TENSORS, "bf16.safetensors")
    save_stable(tensors, path, metadata={name: found[name] for name in PINNED} | {"source": "make-bf16-fixtures.py"})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
