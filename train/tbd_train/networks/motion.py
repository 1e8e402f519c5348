"""AnimateDiff's "Vanilla" motion module as Hallo builds it (`motion_modules.N.temporal_transformer...`): per-frame
group norm, a linear projection in, temporal transformer blocks (temporal self-attentions along the frames of
each spatial position, each after a layer norm and with a sinusoidal position table added to its input; then a
GEGLU feed-forward), a linear projection out, and the residual."""
from __future__ import annotations

import math

import torch
from diffusers.models.attention import FeedForward
from diffusers.models.attention_processor import Attention
from torch import nn

from .attention import PlainProcessor

# Hallo's TemporalTransformer3DModel keeps 32 groups whatever the UNet's norm_num_groups is.
MOTION_NORM_GROUPS = 32


class PositionalEncoding(nn.Module):
    """The [1, max_len, width] sin/cos table. It is a saved buffer, so a checkpoint's values are the ones used."""

    def __init__(self, width: int, max_len: int):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        frequency = torch.exp(torch.arange(0, width, 2) * (-math.log(10000.0) / width))
        table = torch.zeros(1, max_len, width)
        table[0, :, 0::2] = torch.sin(position * frequency)
        table[0, :, 1::2] = torch.cos(position * frequency)
        self.register_buffer("pe", table)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        if tokens.shape[1] > self.pe.shape[1]:
            raise ValueError(f"{tokens.shape[1]} frames exceed the motion module's position table ({self.pe.shape[1]})")
        return tokens + self.pe[:, : tokens.shape[1]].to(tokens.dtype)


class TemporalSelfAttention(Attention):
    """diffusers' Attention (to_q/to_k/to_v/to_out.0) applied along frames, with Hallo's `pos_encoder`."""

    def __init__(self, width: int, heads: int, position_encoding: bool, max_len: int):
        super().__init__(query_dim=width, heads=heads, dim_head=width // heads, bias=False, processor=PlainProcessor())
        self.pos_encoder = PositionalEncoding(width, max_len) if position_encoding else None

    def forward(self, tokens: torch.Tensor, frames: int) -> torch.Tensor:  # type: ignore[override]
        items, positions, width = tokens.shape
        sequences = tokens.view(items // frames, frames, positions, width).transpose(1, 2).reshape(-1, frames, width)
        if self.pos_encoder is not None:
            sequences = self.pos_encoder(sequences)
        out = super().forward(sequences)
        return out.view(items // frames, positions, frames, width).transpose(1, 2).reshape(items, positions, width)


class TemporalTransformerBlock(nn.Module):
    def __init__(self, width: int, heads: int, attention_count: int, position_encoding: bool, max_len: int):
        super().__init__()
        self.attention_blocks = nn.ModuleList(
            [TemporalSelfAttention(width, heads, position_encoding, max_len) for _ in range(attention_count)])
        self.norms = nn.ModuleList([nn.LayerNorm(width) for _ in range(attention_count)])
        self.ff = FeedForward(width, activation_fn="geglu")
        self.ff_norm = nn.LayerNorm(width)

    def forward(self, tokens: torch.Tensor, frames: int) -> torch.Tensor:
        for attention, norm in zip(self.attention_blocks, self.norms):
            tokens = attention(norm(tokens), frames) + tokens
        return self.ff(self.ff_norm(tokens)) + tokens


class TemporalTransformer(nn.Module):
    def __init__(self, channels: int, settings: dict):
        super().__init__()
        heads = settings["num_attention_heads"]
        width = heads * (channels // heads // settings["temporal_attention_dim_div"])
        self.norm = nn.GroupNorm(MOTION_NORM_GROUPS, channels, eps=1e-6)
        self.proj_in = nn.Linear(channels, width)
        self.transformer_blocks = nn.ModuleList([
            TemporalTransformerBlock(width, heads, len(settings["attention_block_types"]),
                                     settings["temporal_position_encoding"], settings["temporal_position_encoding_max_len"])
            for _ in range(settings["num_transformer_block"])])
        self.proj_out = nn.Linear(width, channels)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        """`video` [B, C, F, h, w] -> the same shape."""
        batch, channels, frames, height, width = video.shape
        images = video.transpose(1, 2).reshape(batch * frames, channels, height, width)
        tokens = self.norm(images).permute(0, 2, 3, 1).reshape(batch * frames, height * width, channels)
        tokens = self.proj_in(tokens)
        for block in self.transformer_blocks:
            tokens = block(tokens, frames)
        tokens = self.proj_out(tokens)
        out = tokens.view(batch * frames, height, width, channels).permute(0, 3, 1, 2) + images
        return out.reshape(batch, frames, channels, height, width).transpose(1, 2)


class MotionModule(nn.Module):
    """Hallo's VanillaTemporalModule: only a container, kept for the weight names."""

    def __init__(self, channels: int, settings: dict):
        super().__init__()
        self.temporal_transformer = TemporalTransformer(channels, settings)

    def forward(self, video: torch.Tensor) -> torch.Tensor:
        return self.temporal_transformer(video)
