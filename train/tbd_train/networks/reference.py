"""Hallo's ReferenceNet (`reference_unet/`): an SD UNet run at timestep 0 on the latents of the reference image and
the motion frames, with the text condition, banking the tokens entering every spatial self-attention (`norm1`'s
output). Its output head never matters, so the folder has none (`conv_norm_out`, `conv_out`)."""
from __future__ import annotations

import torch
from diffusers import UNet2DConditionModel
from diffusers.models.attention import BasicTransformerBlock
from torch import nn

from .attention import BankWriter, PlainProcessor


def pairing_order(sites: list[tuple[str, int]]) -> list[str]:
    """Hallo pairs writers and readers by `sorted(blocks, key=lambda b: -b.norm1.normalized_shape[0])`, a stable
    sort of both networks' transformer blocks in module order (down, up, mid)."""
    return [path for path, _ in sorted(sites, key=lambda site: -site[1])]


class ReferenceNet(nn.Module):
    def __init__(self, config: dict):
        super().__init__()
        config = {k: v for k, v in config.items() if not k.startswith("_")}
        self.unet = UNet2DConditionModel.from_config(config)
        # Hallo's ReferenceNet has no output head; its last up block's output is never read.
        self.unet.conv_norm_out = None
        self.unet.conv_out = nn.Identity()
        sites = []
        for name, module in self.unet.named_modules():
            if isinstance(module, BasicTransformerBlock):
                module.attn1.set_processor(BankWriter(name))
                module.attn2.set_processor(PlainProcessor())
                sites.append((name, module.norm1.normalized_shape[0]))
        self.writer_order = pairing_order(sites)

    def state_dict_prefix(self) -> str:
        return "unet."

    def bank(self, latents: torch.Tensor, text: torch.Tensor, reader_order: list[str], items: int) -> dict:
        """`latents` [B*R, 4, h, w]: per item the reference then its motion frames; `text` [B*R, L, D].
        Returns {"reference": {reader site: [B, N, C]}, "motion": {reader site: [B, R-1, N, C]}} and, under
        "ordered", the entries [B*R, N, C] in pairing order (what Hallo's bank list holds)."""
        if latents.dim() != 4 or latents.shape[0] % items:
            raise ValueError(f"reference latents {tuple(latents.shape)} are not [B*R, C, h, w] for {items} items")
        if len(reader_order) != len(self.writer_order):
            raise ValueError(f"the ReferenceNet writes {len(self.writer_order)} bank entries; the denoiser reads "
                             f"{len(reader_order)}")
        written: dict[str, torch.Tensor] = {}
        timesteps = torch.zeros(latents.shape[0], device=latents.device, dtype=torch.long)
        self.unet(latents, timesteps, encoder_hidden_states=text, cross_attention_kwargs={"bank": written},
                  return_dict=False)
        rows = latents.shape[0] // items
        ordered = [written[path] for path in self.writer_order]
        reference, motion = {}, {}
        for reader, entry in zip(reader_order, ordered):
            entry = entry.reshape(items, rows, *entry.shape[1:])
            reference[reader] = entry[:, 0]
            if rows > 1:
                motion[reader] = entry[:, 1:]
        return {"reference": reference, "motion": motion, "ordered": ordered}
