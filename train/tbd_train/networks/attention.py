"""Attention processors for diffusers' `Attention`: plain scaled dot-product attention, plus the two halves of
Hallo's reference attention.

The ReferenceNet *writes* the normalised tokens entering each spatial self-attention (`norm1`'s output) into a
bank; the denoiser *reads* them: its self-attention attends to its own tokens and the reference image's tokens.
The bank travels through `cross_attention_kwargs` (as `bank`, a dict keyed by the transformer block's path) so
that no module holds state between calls: gradient checkpointing re-runs a forward and must see the same inputs.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers.models.attention_processor import Attention


def attend(attn: Attention, query_tokens: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
    """`attn`'s projections and output layer around scaled dot-product attention (no mask, no norms)."""
    batch = query_tokens.shape[0]
    heads = attn.heads
    query = attn.to_q(query_tokens)
    key = attn.to_k(context)
    value = attn.to_v(context)
    head_dim = query.shape[-1] // heads
    query, key, value = (t.view(batch, -1, heads, head_dim).transpose(1, 2) for t in (query, key, value))
    hidden = F.scaled_dot_product_attention(query, key, value)
    hidden = hidden.transpose(1, 2).reshape(batch, -1, heads * head_dim).to(query.dtype)
    hidden = attn.to_out[0](hidden)
    return attn.to_out[1](hidden)


class PlainProcessor:
    """Self- or cross-attention; ignores the bank (spatial cross-attention, audio and motion modules)."""

    def __call__(self, attn: Attention, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None,
                 bank=None, reference_rows=None):
        context = hidden_states if encoder_hidden_states is None else encoder_hidden_states
        return attend(attn, hidden_states, context)


class BankWriter:
    """The ReferenceNet's self-attention: stores its input under `path` in the bank, then attends as usual."""

    def __init__(self, path: str):
        self.path = path

    def __call__(self, attn: Attention, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None,
                 bank=None, reference_rows=None):
        if bank is not None:
            bank[self.path] = hidden_states
        return attend(attn, hidden_states, hidden_states)


class BankReader:
    """The denoiser's self-attention: keys and values are its own tokens followed by the reference image's tokens
    (row 0 of the bank entry of the same block, repeated for every frame). Rows whose `reference_rows` flag is
    false (the unconditional half of classifier-free guidance) attend to themselves only, as Hallo's do."""

    def __init__(self, path: str):
        self.path = path

    def __call__(self, attn: Attention, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None,
                 bank=None, reference_rows=None):
        if bank is None or self.path not in bank:
            return attend(attn, hidden_states, hidden_states)
        reference = bank[self.path]  # [B*F, N, C]: each item's reference tokens, expanded to its frames
        read = attend(attn, hidden_states, torch.cat([hidden_states, reference], dim=1))
        if reference_rows is None or bool(reference_rows.all()):
            return read
        plain = attend(attn, hidden_states, hidden_states)
        return torch.where(reference_rows[:, None, None], read, plain)
