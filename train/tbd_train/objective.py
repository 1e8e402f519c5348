"""The training objective, as Hallo trains: v-prediction on a zero-terminal-SNR schedule, min-SNR weighting,
noise offset; plus the text condition of the progressive schedule at the sampled timestep."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from diffusers import DDIMScheduler


def noise_scheduler(folder: Path, beta_schedule: str = "checkpoint") -> DDIMScheduler:
    """The folder's DDIM scheduler (v-prediction, zero terminal SNR, trailing: what the renderer samples with).
    `scaled_linear` swaps in Hallo's training betas (its training and sampling schedules differ)."""
    path = Path(folder) / "scheduler" / "scheduler_config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the folder has no scheduler")
    config = json.loads(path.read_text())
    if beta_schedule == "scaled_linear":
        config["beta_schedule"] = "scaled_linear"
    scheduler = DDIMScheduler.from_config(config)
    if scheduler.config.prediction_type != "v_prediction" or not scheduler.config.rescale_betas_zero_snr:
        raise ValueError(f"{path}: the trainer trains v-prediction with zero terminal SNR, as Hallo "
                         f"(prediction_type {scheduler.config.prediction_type}, "
                         f"rescale_betas_zero_snr {scheduler.config.rescale_betas_zero_snr})")
    return scheduler


def sampling_timesteps(scheduler: DDIMScheduler, steps: int) -> list[int]:
    copy = DDIMScheduler.from_config(scheduler.config)
    copy.set_timesteps(steps)
    return [int(t) for t in copy.timesteps]


def min_snr_weights(scheduler: DDIMScheduler, timesteps: torch.Tensor, gamma: float) -> torch.Tensor:
    """min(SNR + 1, gamma) / (SNR + 1) for v-prediction (Hallo's and diffusers' training scripts); ones for gamma 0."""
    if gamma <= 0:
        return torch.ones(timesteps.shape, dtype=torch.float32)
    alphas = scheduler.alphas_cumprod.to(torch.float64)[timesteps.cpu()]
    snr = alphas / (1 - alphas) + 1
    return (torch.clamp(snr, max=gamma) / snr).float()


def draw_noise(shape: tuple[int, ...], seeds: list[int], offset: float, train_timesteps: int):
    """Per item, from its own seed: Gaussian noise plus `offset` times a per-channel constant (noise offset), and
    a timestep uniform in [0, train_timesteps)."""
    noises, steps = [], []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        noise = torch.randn(shape, generator=g)
        if offset > 0:
            noise = noise + offset * torch.randn((shape[0],) + (1,) * (len(shape) - 1), generator=g)
        noises.append(noise)
        steps.append(int(torch.randint(train_timesteps, (1,), generator=g)))
    return torch.stack(noises), torch.tensor(steps, dtype=torch.long)
