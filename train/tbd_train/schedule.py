"""The progressive guidance schedule (the paper's Algorithms 1-2), as the renderer computes it
(Sources/Renderer/Sampling/ProgressiveGuidanceSchedule.swift, docs/renderer.md), and its use in training.

Sampling steps t = 0 ... T-1 count from the start of denoising. Split fractions cut them into stages at
B_j = round(s_j T) (half to even). In `paper` mode stage j has alpha = alpha_max - p (alpha_max - alpha_min), p the
position in the stage, and the condition alpha e_j + (1 - alpha) e_{j+1} (the last stage blends with the one
before); `smooth` and `hard` as in docs/renderer.md.

Training ("to ensure training coherence"): a sampled training timestep tau belongs to the sampling step that
passes through its noise level, the last step i whose DDIM timestep is >= tau (the first step for tau above all
of them), and its text condition is that step's blend. The ReferenceNet sees step 0's condition, as the renderer
runs it once per window with step 0's text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class GuidanceSchedule:
    steps: int = 40
    splits: list[float] = field(default_factory=lambda: [0.4])
    mode: str = "paper"
    alpha_max: float = 1.0
    alpha_min: float = 0.5

    def __post_init__(self):
        if self.steps < 1:
            raise ValueError(f"the run needs at least one step, got {self.steps}")
        if not self.splits or not all(0 < s < 1 for s in self.splits) or any(a >= b for a, b in zip(self.splits, self.splits[1:])):
            raise ValueError(f"split fractions must increase strictly inside (0, 1), got {self.splits}")
        if self.mode not in ("paper", "smooth", "hard"):
            raise ValueError(f"blend mode {self.mode!r} (paper, smooth or hard)")
        if not 0 <= self.alpha_min <= self.alpha_max <= 1:
            raise ValueError(f"alpha bounds need 0 <= alpha_min <= alpha_max <= 1, got {self.alpha_min}, {self.alpha_max}")
        # Python's round is half to even, as the paper's algorithms and the renderer.
        self.boundaries = [0] + [round(s * self.steps) for s in self.splits] + [self.steps]
        if any(a >= b for a, b in zip(self.boundaries, self.boundaries[1:])):
            raise ValueError(f"a stage gets no steps with {self.steps} steps and splits {self.splits}")

    @property
    def stage_count(self) -> int:
        return len(self.boundaries) - 1

    def weights(self, step: int) -> list[float]:
        if not 0 <= step < self.steps:
            raise ValueError(f"step {step} outside 0..<{self.steps}")
        stage = max(j for j in range(self.stage_count) if self.boundaries[j] <= step)
        start, length = self.boundaries[stage], self.boundaries[stage + 1] - self.boundaries[stage]
        weights = [0.0] * self.stage_count
        if self.mode == "hard":
            weights[stage] = 1.0
        elif self.mode == "smooth":
            if stage == self.stage_count - 1:
                weights[stage] = 1.0
            else:
                weights[stage] = (start + length - step) / length
                weights[stage + 1] = (step - start) / length
        else:
            alpha = self.alpha_max - (step - start) / length * (self.alpha_max - self.alpha_min)
            partner = stage + 1 if stage < self.stage_count - 1 else stage - 1
            weights[stage] = alpha
            weights[partner] += 1 - alpha
        return weights


def step_of_timestep(sampling_timesteps: list[int], timestep: int) -> int:
    """The sampling step whose denoising passes through training timestep `timestep`."""
    steps = [i for i, t in enumerate(sampling_timesteps) if t >= timestep]
    return steps[-1] if steps else 0


class TrainingBlend:
    """Per training timestep (0 ... num_train_timesteps - 1), the blend weights of the prompts, coarse first."""

    def __init__(self, schedule: GuidanceSchedule, sampling_timesteps: list[int], num_train_timesteps: int = 1000):
        if len(sampling_timesteps) != schedule.steps:
            raise ValueError(f"{len(sampling_timesteps)} sampling timesteps for a {schedule.steps}-step schedule")
        self.schedule = schedule
        self.sampling_timesteps = list(sampling_timesteps)
        self.table = torch.tensor([schedule.weights(step_of_timestep(self.sampling_timesteps, t))
                                   for t in range(num_train_timesteps)], dtype=torch.float64)
        self.first = torch.tensor(schedule.weights(0), dtype=torch.float64)

    def condition(self, embeddings: torch.Tensor, timesteps: torch.Tensor) -> torch.Tensor:
        """`embeddings` [B, k, L, D] (per item the stages' prompt embeddings) -> [B, L, D] at `timesteps` [B]."""
        weights = self.table[timesteps.cpu()].to(embeddings.dtype).to(embeddings.device)
        return torch.einsum("bk,bkld->bld", weights, embeddings)

    def reference_condition(self, embeddings: torch.Tensor) -> torch.Tensor:
        """Step 0's condition, the one the renderer gives the ReferenceNet."""
        return torch.einsum("k,bkld->bld", self.first.to(embeddings.dtype).to(embeddings.device), embeddings)
