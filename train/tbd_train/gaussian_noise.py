"""The renderer's documented initial-noise generator (Sources/Tensors/Operations/GaussianNoise.swift), so a window
rendered here starts from the noise `tbd render --seed S` draws: SplitMix64 seeded with S, each pair of outputs
turned into two standard normal values by Box-Muller (u from the top 53 bits, mapped to (0, 1]; z0 = r cos(2 pi u2),
z1 = r sin(2 pi u2), r = sqrt(-2 ln u1)), filled in row-major order. It is not torch's generator."""
from __future__ import annotations

import math

import numpy as np
import torch

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MASK = (1 << 64) - 1


def _splitmix(states: np.ndarray) -> np.ndarray:
    z = states.copy()
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def gaussian_noise(seed: int, shape: tuple[int, ...] | list[int]) -> torch.Tensor:
    """float32 noise of `shape`, as `GaussianNoise(seed: seed).tensor(shape:)`; `seed` wraps to 64 bits, as the
    renderer's `seed &+ window`."""
    count = math.prod(shape)
    pairs = (count + 1) // 2
    # Output k of the generator mixes the state seed + (k + 1) * golden (mod 2^64).
    steps = np.arange(1, 2 * pairs + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        states = np.uint64(int(seed) & MASK) + steps * GOLDEN
    outputs = _splitmix(states)
    units = ((outputs >> np.uint64(11)).astype(np.float64) + 1) / 9_007_199_254_740_992.0
    radius = np.sqrt(-2 * np.log(units[0::2]))
    angle = 2 * np.pi * units[1::2]
    values = np.empty(2 * pairs, dtype=np.float64)
    values[0::2] = radius * np.cos(angle)
    values[1::2] = radius * np.sin(angle)
    return torch.from_numpy(values[:count].astype(np.float32)).reshape(tuple(shape))
