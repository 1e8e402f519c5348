"""The talking model's denoising UNet (`denoising_unet/`), Hallo's UNet3DConditionModel rebuilt on diffusers'
2D blocks with frames folded into the batch.

Every cross-attention layer runs, in Hallo's order: ResNet -> spatial transformer (self-attention reading the
ReferenceNet's bank, text cross-attention) -> audio module -> motion module. The motion module sees the bank's
motion frames before the clip's frames and drops them after. Hallo's plain blocks (down_blocks.3, up_blocks.0 in
SD1.5) run their ResNets only, as Hallo's training (gradient-checkpointing) branch does: their motion modules
exist in the state dict but never run, and so never train.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers.models.downsampling import Downsample2D
from diffusers.models.embeddings import TimestepEmbedding, Timesteps
from diffusers.models.resnet import ResnetBlock2D
from diffusers.models.transformers.transformer_2d import Transformer2DModel
from diffusers.models.upsampling import Upsample2D
from torch import nn
from torch.utils.checkpoint import checkpoint

from .attention import BankReader, PlainProcessor
from .audio import AudioModule
from .config import DenoiserConfig
from .motion import MotionModule
from .reference import pairing_order


def spatial_transformer(channels: int, heads: int, context: int, groups: int, linear: bool) -> Transformer2DModel:
    return Transformer2DModel(num_attention_heads=heads, attention_head_dim=channels // heads, in_channels=channels,
                              num_layers=1, cross_attention_dim=context, norm_num_groups=groups,
                              use_linear_projection=linear)


class VideoBlock(nn.Module):
    """One level of the UNet: `resnets`, and for cross-attention blocks `attentions`, `audio_modules` and
    `motion_modules` (one per layer), then `downsamplers` or `upsamplers`. Attribute names are the state dict's."""

    def __init__(self):
        super().__init__()
        self.resnets = nn.ModuleList()
        self.attentions = nn.ModuleList()
        self.audio_modules = nn.ModuleList()
        self.motion_modules = nn.ModuleList()
        # Which motion modules run (Hallo's plain blocks hold theirs without running them).
        self.motion_runs = False
        self.sites: list[str] = []


class TalkingUNet(nn.Module):
    def __init__(self, config: DenoiserConfig):
        super().__init__()
        self.config = config
        c = config
        widths, heads = c.block_out_channels, c.heads
        groups, eps = c.norm_num_groups, c.norm_eps
        time_width = widths[0] * 4
        self.gradient_checkpointing = False

        self.conv_in = nn.Conv2d(c.in_channels, widths[0], kernel_size=3, padding=1)
        self.time_proj = Timesteps(widths[0], c.flip_sin_to_cos, c.freq_shift)
        self.time_embedding = TimestepEmbedding(widths[0], time_width)

        def resnet(input_width: int, output_width: int) -> ResnetBlock2D:
            return ResnetBlock2D(in_channels=input_width, out_channels=output_width, temb_channels=time_width,
                                 groups=groups, eps=eps)

        def add_layer(block: VideoBlock, site: str, index: int, channels: int, audio_input: int, level: int,
                      name: str, motion: bool, cross: bool) -> None:
            if cross:
                block.attentions.append(spatial_transformer(channels, heads[level], c.cross_attention_dim, groups,
                                                            c.use_linear_projection))
                block.sites.append(f"{site}.attentions.{index}.transformer_blocks.0")
                if c.use_audio_module:
                    block.audio_modules.append(AudioModule(
                        channels, heads[level] * (audio_input // heads[level]), heads[level], c.audio_attention_dim,
                        groups, c.masks_audio(name, c.depth(name, level)), c.depth(name, level)))
            if c.use_motion_module and motion:
                block.motion_modules.append(MotionModule(channels, c.motion_module_kwargs))

        count = len(widths)
        self.down_blocks = nn.ModuleList()
        channels = widths[0]
        for index, kind in enumerate(c.down_block_types):
            block, site = VideoBlock(), f"down_blocks.{index}"
            cross = kind == "CrossAttnDownBlock2D"
            motion = (1 << index) in c.motion_module_resolutions and not c.motion_module_decoder_only
            block.motion_runs = cross
            for layer in range(c.layers_per_block):
                layer_input = channels if layer == 0 else widths[index]
                block.resnets.append(resnet(layer_input, widths[index]))
                add_layer(block, site, layer, widths[index], layer_input, index, "down", motion, cross)
            if index < count - 1:
                block.downsamplers = nn.ModuleList([Downsample2D(widths[index], use_conv=True, out_channels=widths[index],
                                                                 padding=c.downsample_padding, name="op")])
            self.down_blocks.append(block)
            channels = widths[index]

        # Registered before the middle block, as diffusers and Hallo do: the reference bank's pairing follows it.
        self.up_blocks = nn.ModuleList()
        reversed_widths = list(reversed(widths))
        previous = reversed_widths[0]
        for index, kind in enumerate(c.up_block_types):
            block, site = VideoBlock(), f"up_blocks.{index}"
            level = count - 1 - index
            output, block_input = reversed_widths[index], reversed_widths[min(index + 1, count - 1)]
            cross = kind == "CrossAttnUpBlock2D"
            motion = (1 << (count - 1 - index)) in c.motion_module_resolutions
            block.motion_runs = cross
            layers = c.layers_per_block + 1
            for layer in range(layers):
                skip = block_input if layer == layers - 1 else output
                block.resnets.append(resnet((previous if layer == 0 else output) + skip, output))
                # Hallo sizes every up-block audio module from the block's constructor input width.
                add_layer(block, site, layer, output, block_input, level, "up", motion, cross)
            if index < count - 1:
                block.upsamplers = nn.ModuleList([Upsample2D(output, use_conv=True, out_channels=output)])
            self.up_blocks.append(block)
            previous = output

        last = widths[-1]
        mid = VideoBlock()
        mid.resnets.extend([resnet(last, last), resnet(last, last)])
        add_layer(mid, "mid_block", 0, last, last, count - 1, "mid", c.motion_module_mid_block, True)
        mid.motion_runs = True
        self.mid_block = mid

        self.conv_norm_out = nn.GroupNorm(groups, widths[0], eps=eps)
        self.conv_out = nn.Conv2d(widths[0], c.out_channels, kernel_size=3, padding=1)

        for module in self.modules():
            if isinstance(module, Transformer2DModel):
                for name, sub in module.named_modules():
                    if name.endswith("attn2"):
                        sub.set_processor(PlainProcessor())
        for block in [*self.down_blocks, *self.up_blocks, self.mid_block]:
            for site, attention in zip(block.sites, block.attentions):
                attention.transformer_blocks[0].attn1.set_processor(BankReader(site))

    # ---- forward ---------------------------------------------------------------------------------------------
    def reader_order(self) -> list[str]:
        """Transformer block paths in Hallo's pairing order (module order down, up, mid; stably by width)."""
        sites = [(site, attention.transformer_blocks[0].norm1.normalized_shape[0])
                 for block in [*self.down_blocks, *self.up_blocks, self.mid_block]
                 for site, attention in zip(block.sites, block.attentions)]
        return pairing_order(sites)

    def _layer(self, block: VideoBlock, index: int, hidden, text, audio, masks, bank, rows, batch, frames, spatial_only):
        attention = block.attentions[index]
        site = block.sites[index]
        kwargs = {"bank": bank, "reference_rows": rows} if bank is not None else {}
        hidden = attention(hidden, encoder_hidden_states=text, cross_attention_kwargs=kwargs, return_dict=False)[0]
        if spatial_only:  # stage 1 trains the image model: no audio or motion modules
            return hidden
        if len(block.audio_modules):
            audio_module = block.audio_modules[index]
            hidden = audio_module(hidden, audio, masks[audio_module.level] if audio_module.masked else None)
        if not (len(block.motion_modules) and block.motion_runs):
            return hidden
        _, channels, height, width = hidden.shape
        video = hidden.reshape(batch, frames, channels, height, width).transpose(1, 2)
        prefix = 0
        if bank is not None and site in bank.get("motion", {}):
            motion = bank["motion"][site]  # [B, M, h*w, C]: the motion frames' banked tokens
            prefix = motion.shape[1]
            images = motion.reshape(batch, prefix, height, width, channels).permute(0, 4, 1, 2, 3)
            video = torch.cat([images.to(video.dtype), video], dim=2)
        video = block.motion_modules[index](video)[:, :, prefix:]
        return video.transpose(1, 2).reshape(batch * frames, channels, height, width)

    def _run(self, function, *args):
        if self.gradient_checkpointing and self.training and torch.is_grad_enabled():
            return checkpoint(function, *args, use_reentrant=False)
        return function(*args)

    def forward(self, sample: torch.Tensor, timesteps: torch.Tensor, text: torch.Tensor,
                audio: torch.Tensor | None = None, bank: dict | None = None, masks: list | None = None,
                reference_rows: torch.Tensor | None = None, spatial_only: bool = False) -> torch.Tensor:
        """The v (or noise) prediction for `sample` [B, 4, F, h, w].

        `timesteps` [B]; `text` [B, L, D]; `audio` [B, F, N, Da] or None (zeros: no audio); `bank` from
        `ReferenceNet.bank` (None: no reference, plain self-attention and no motion frames); `masks` per UNet
        level l the full, face and lip masks, each [B, h >> l, w >> l] (None: all ones); `reference_rows` [B]
        bool: which items read the reference (None: all); `spatial_only` skips the audio and motion
        modules (the image model stage 1 trains)."""
        c = self.config
        if sample.dim() != 5 or sample.shape[1] != c.in_channels:
            raise ValueError(f"denoiser input {tuple(sample.shape)} is not [B, {c.in_channels}, F, h, w]")
        batch, _, frames, height, width = sample.shape
        factor = 1 << (len(c.block_out_channels) - 1)
        if height % factor or width % factor:
            raise ValueError(f"latent size {height}x{width} is not a multiple of {factor}")
        if text.dim() != 3 or text.shape[0] != batch or text.shape[2] != c.cross_attention_dim:
            raise ValueError(f"text condition {tuple(text.shape)} is not [{batch}, L, {c.cross_attention_dim}]")
        if audio is None:
            audio = sample.new_zeros(batch, frames, 1, c.audio_attention_dim)
        if audio.dim() != 4 or tuple(audio.shape[:2]) != (batch, frames) or audio.shape[3] != c.audio_attention_dim:
            raise ValueError(f"audio tokens {tuple(audio.shape)} are not [{batch}, {frames}, N, {c.audio_attention_dim}]")
        audio = audio.reshape(batch * frames, audio.shape[2], audio.shape[3]).to(sample.dtype)
        level_masks = self._level_masks(masks, batch, frames, height, width, sample)
        text = text.repeat_interleave(frames, dim=0).to(sample.dtype)
        rows = None if reference_rows is None else reference_rows.to(torch.bool).repeat_interleave(frames)
        frame_bank = None
        if bank is not None:
            frame_bank = {site: entry.repeat_interleave(frames, dim=0).to(sample.dtype)
                          for site, entry in bank["reference"].items()}
            frame_bank["motion"] = bank.get("motion", {})

        steps = timesteps.reshape(-1).expand(batch) if timesteps.numel() == 1 else timesteps.reshape(batch)
        embedding = self.time_embedding(self.time_proj(steps.repeat_interleave(frames)).to(sample.dtype))
        hidden = self.conv_in(sample.transpose(1, 2).reshape(batch * frames, c.in_channels, height, width))
        context = (text, audio, level_masks, frame_bank, rows, batch, frames, spatial_only)

        skips = [hidden]
        for block in self.down_blocks:
            for index, resnet in enumerate(block.resnets):
                hidden = self._run(resnet, hidden, embedding)
                if index < len(block.attentions):
                    hidden = self._run(lambda h, b=block, i=index: self._layer(b, i, h, *context), hidden)
                skips.append(hidden)
            if hasattr(block, "downsamplers"):
                hidden = block.downsamplers[0](hidden)
                skips.append(hidden)
        hidden = self._run(self.mid_block.resnets[0], hidden, embedding)
        hidden = self._run(lambda h: self._layer(self.mid_block, 0, h, *context), hidden)
        hidden = self._run(self.mid_block.resnets[1], hidden, embedding)
        for block in self.up_blocks:
            for index, resnet in enumerate(block.resnets):
                hidden = self._run(resnet, torch.cat([hidden, skips.pop()], dim=1), embedding)
                if index < len(block.attentions):
                    hidden = self._run(lambda h, b=block, i=index: self._layer(b, i, h, *context), hidden)
            if hasattr(block, "upsamplers"):
                hidden = block.upsamplers[0](hidden)
        out = self.conv_out(F.silu(self.conv_norm_out(hidden)))
        return out.reshape(batch, frames, c.out_channels, height, width).transpose(1, 2)

    def _level_masks(self, masks, batch, frames, height, width, like):
        """Per level, full/face/lip flattened to [B*F, h_l*w_l]: given per level, or pooled from level 0."""
        levels = len(self.config.block_out_channels)
        if masks is None:
            ones = like.new_ones(batch, height, width)
            masks = [(ones, ones, ones)]
        result = []
        for level in range(levels):
            if level < len(masks):
                regions = masks[level]
            else:  # avg_pool2d by 2**l of level 0, as Hallo's training code derives the levels
                regions = [F.avg_pool2d(m[:, None], 1 << level)[:, 0] for m in masks[0]]
            expected = (batch, height >> level, width >> level)
            for mask in regions:
                if tuple(mask.shape) != expected:
                    raise ValueError(f"level {level} mask {tuple(mask.shape)} is not {list(expected)}")
            result.append([m.reshape(batch, -1).repeat_interleave(frames, dim=0).to(like.dtype) for m in regions])
        return result

    def trainable_groups(self) -> dict[str, list[nn.Parameter]]:
        """Parameters by role: `motion` (motion modules), `audio` (audio modules), `spatial` (everything else)."""
        groups = {"motion": [], "audio": [], "spatial": []}
        for name, parameter in self.named_parameters():
            key = "motion" if ".motion_modules." in name else "audio" if ".audio_modules." in name else "spatial"
            groups[key].append(parameter)
        return groups

