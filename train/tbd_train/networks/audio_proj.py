"""Hallo's audio projection (`audio_proj/`): each frame's window of wav2vec 2.0 hidden states
[seq_len, blocks, channels], flattened, through three linear layers (ReLU between), to `context_tokens` tokens of
`output_dim`, layer-normalised."""
from __future__ import annotations

import torch
from torch import nn


class AudioProjection(nn.Module):
    CONFIG_KEYS = ("seq_len", "blocks", "channels", "intermediate_dim", "output_dim", "context_tokens")

    def __init__(self, seq_len: int, blocks: int, channels: int, intermediate_dim: int, output_dim: int,
                 context_tokens: int):
        super().__init__()
        self.config = dict(seq_len=seq_len, blocks=blocks, channels=channels, intermediate_dim=intermediate_dim,
                           output_dim=output_dim, context_tokens=context_tokens)
        self.proj1 = nn.Linear(seq_len * blocks * channels, intermediate_dim)
        self.proj2 = nn.Linear(intermediate_dim, intermediate_dim)
        self.proj3 = nn.Linear(intermediate_dim, context_tokens * output_dim)
        self.norm = nn.LayerNorm(output_dim)

    @classmethod
    def from_config(cls, config: dict) -> "AudioProjection":
        missing = [key for key in cls.CONFIG_KEYS if key not in config]
        if missing:
            raise ValueError(f"audio_proj config lacks {', '.join(missing)}")
        return cls(**{key: int(config[key]) for key in cls.CONFIG_KEYS})

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """`windows` [B, F, seq_len, blocks, channels] -> tokens [B, F, context_tokens, output_dim]."""
        c = self.config
        expected = (c["seq_len"], c["blocks"], c["channels"])
        if windows.dim() != 5 or tuple(windows.shape[2:]) != expected:
            raise ValueError(f"audio windows {tuple(windows.shape)} are not [B, F, {', '.join(map(str, expected))}]")
        batch, frames = windows.shape[:2]
        hidden = torch.relu(self.proj1(windows.reshape(batch * frames, -1)))
        hidden = torch.relu(self.proj2(hidden))
        tokens = self.proj3(hidden).reshape(batch * frames, c["context_tokens"], c["output_dim"])
        return self.norm(tokens).reshape(batch, frames, c["context_tokens"], c["output_dim"])


def audio_windows(features: torch.Tensor, radius: int = 2) -> torch.Tensor:
    """Hallo's window per frame: frames i-2 ... i+2 of `features` [F, L, D], indices clamped to the clip,
    -> [F, 2 * radius + 1, L, D]."""
    count = features.shape[0]
    index = (torch.arange(count)[:, None] + torch.arange(-radius, radius + 1)[None, :]).clamp(0, count - 1)
    return features[index]
