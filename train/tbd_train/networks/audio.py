"""Hallo's audio module (`audio_modules.N`: a Transformer3DModel around an AudioTemporalBasicTransformerBlock), per
frame: group norm, a 1x1 projection in to the module's width, self-attention, cross-attention on the frame's
audio tokens, a GEGLU feed-forward (each residual), a 1x1 projection out, and the residual.

Two forms of the audio cross-attention, as Hallo's config chooses (`stack_enable_blocks_name/depth`):
- single: one `attn2`;
- masked: `attn2_0/1/2` for the full frame, the face and the lips, each output multiplied by its region mask at
  this module's UNet level, passed through a 1x1 convolution (`zero_conv_full/face/lip`) and summed into the
  residual. Hallo builds the three convolutions in both forms, so they exist (unused) in the single form too.
"""
from __future__ import annotations

import torch
from diffusers.models.attention import FeedForward
from diffusers.models.attention_processor import Attention
from torch import nn

from .attention import PlainProcessor

REGIONS = ("full", "face", "lip")


def _attention(width: int, context: int, heads: int) -> Attention:
    return Attention(query_dim=width, cross_attention_dim=context, heads=heads, dim_head=width // heads, bias=False,
                     processor=PlainProcessor())


class AudioTransformerBlock(nn.Module):
    def __init__(self, width: int, heads: int, audio_width: int, masked: bool):
        super().__init__()
        self.masked = masked
        self.norm1 = nn.LayerNorm(width)
        self.attn1 = _attention(width, width, heads)
        self.norm2 = nn.LayerNorm(width)
        if masked:
            for index in range(3):
                setattr(self, f"attn2_{index}", _attention(width, audio_width, heads))
        else:
            self.attn2 = _attention(width, audio_width, heads)
        self.norm3 = nn.LayerNorm(width)
        self.ff = FeedForward(width, activation_fn="geglu")
        for region in REGIONS:
            setattr(self, f"zero_conv_{region}", nn.Conv2d(width, width, kernel_size=1))

    def forward(self, tokens: torch.Tensor, audio: torch.Tensor, masks: list[torch.Tensor] | None = None,
                size: tuple[int, int] | None = None) -> torch.Tensor:
        """`tokens` [N, h*w, width]; `audio` [N, tokens, audio_width] (N = frames); `masks` full, face, lip, each
        [N, h*w] (masked form only); `size` (h, w) of the level."""
        tokens = self.attn1(self.norm1(tokens)) + tokens
        normed = self.norm2(tokens)
        if not self.masked:
            tokens = self.attn2(normed, encoder_hidden_states=audio) + tokens
        else:
            if masks is None or size is None:
                raise ValueError("the masked audio attention needs the full, face and lip masks and the level size")
            count, positions, width = tokens.shape
            for index, region in enumerate(REGIONS):
                out = getattr(self, f"attn2_{index}")(normed, encoder_hidden_states=audio) * masks[index][:, :, None]
                image = out.transpose(1, 2).reshape(count, width, size[0], size[1])
                out = getattr(self, f"zero_conv_{region}")(image).reshape(count, width, positions).transpose(1, 2)
                tokens = tokens + out
        return self.ff(self.norm3(tokens)) + tokens


class AudioModule(nn.Module):
    def __init__(self, channels: int, inner_width: int, heads: int, audio_width: int, groups: int, masked: bool,
                 level: int):
        super().__init__()
        self.level = level
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.proj_in = nn.Conv2d(channels, inner_width, kernel_size=1)
        self.transformer_blocks = nn.ModuleList([AudioTransformerBlock(inner_width, heads, audio_width, masked)])
        self.proj_out = nn.Conv2d(inner_width, channels, kernel_size=1)

    @property
    def masked(self) -> bool:
        return self.transformer_blocks[0].masked

    def forward(self, images: torch.Tensor, audio: torch.Tensor, masks: list[torch.Tensor] | None) -> torch.Tensor:
        """`images` [N, C, h, w] (frames folded into N); `audio` [N, tokens, audio_width]."""
        count, _, height, width = images.shape
        hidden = self.proj_in(self.norm(images))
        inner = hidden.shape[1]
        tokens = hidden.permute(0, 2, 3, 1).reshape(count, height * width, inner)
        tokens = self.transformer_blocks[0](tokens, audio, masks, (height, width))
        hidden = tokens.reshape(count, height, width, inner).permute(0, 3, 1, 2)
        return self.proj_out(hidden) + images
