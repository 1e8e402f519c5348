"""Shared by the trainer's tests: paths, the parity tolerance, small CPU settings."""
from __future__ import annotations

from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Tests" / "RendererTests" / "Fixtures"
TALKING = FIXTURES / "talking"
MASKED = TALKING / "talking-tiny-masked"
SINGLE = TALKING / "talking-tiny-single"

# Tests share two cores with other work.
torch.set_num_threads(1)


def relative_error(ours: torch.Tensor, reference: torch.Tensor) -> float:
    """max |ours - ref| / max(|ref|, mean |ref|) elementwise: the renderer's parity measure (docs/renderer.md)."""
    reference = reference.double()
    floor = torch.clamp(reference.abs(), min=float(reference.abs().mean()))
    return float(((ours.double() - reference).abs() / floor).max())
