"""`denoising_unet/config.json`: the SD UNet keys plus Hallo's `unet_additional_kwargs` at the top level, read
strictly: settings this package does not build are refused by name rather than ignored."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

MOTION_DEFAULTS = {
    "num_attention_heads": 8, "num_transformer_block": 2, "attention_block_types": ["Temporal_Self", "Temporal_Self"],
    "temporal_position_encoding": False, "temporal_position_encoding_max_len": 24, "temporal_attention_dim_div": 1,
}
DOWN_TYPES = {"CrossAttnDownBlock2D", "DownBlock2D"}
UP_TYPES = {"CrossAttnUpBlock2D", "UpBlock2D"}


def _per_block(value, count: int, key: str) -> list[int]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * count
    if len(values) != count:
        raise ValueError(f"denoising UNet config: {key} has {len(values)} entries for {count} blocks")
    return [int(v) for v in values]


@dataclass
class DenoiserConfig:
    raw: dict
    block_out_channels: list[int]
    down_block_types: list[str]
    up_block_types: list[str]
    heads: list[int]
    layers_per_block: int
    cross_attention_dim: int
    norm_num_groups: int
    norm_eps: float
    in_channels: int
    out_channels: int
    flip_sin_to_cos: bool
    freq_shift: int
    downsample_padding: int
    use_linear_projection: bool
    use_motion_module: bool
    motion_module_resolutions: list[int]
    motion_module_mid_block: bool
    motion_module_decoder_only: bool
    motion_module_kwargs: dict
    use_audio_module: bool
    audio_attention_dim: int
    stack_enable_blocks_name: list[str] = field(default_factory=list)
    stack_enable_blocks_depth: list[int] = field(default_factory=list)

    def masks_audio(self, name: str, depth: int) -> bool:
        """Hallo's rule for the masked audio-attention form."""
        return name in self.stack_enable_blocks_name and depth in self.stack_enable_blocks_depth

    @staticmethod
    def depth(name: str, level: int) -> int:
        """The mask level an audio module reads: its block's level; the middle block reads level 3 (Hallo)."""
        return 3 if name == "mid" else level

    @classmethod
    def load(cls, path: Path) -> "DenoiserConfig":
        try:
            raw = json.loads(Path(path).read_text())
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no denoising UNet config") from None
        return cls.from_dict(raw, str(path))

    @classmethod
    def from_dict(cls, raw: dict, where: str = "denoising UNet config") -> "DenoiserConfig":
        def fail(reason: str) -> ValueError:
            return ValueError(f"{where}: {reason}")

        flat = lambda name: name.replace("3D", "2D")  # Hallo's 3D block names are the 2D blocks per frame
        down = [flat(t) for t in raw.get("down_block_types", [])]
        up = [flat(t) for t in raw.get("up_block_types", [])]
        widths = [int(w) for w in raw.get("block_out_channels", [])]
        if not widths or len(down) != len(widths) or len(up) != len(widths):
            raise fail("block_out_channels, down_block_types and up_block_types must have one entry per level")
        if len(widths) != 4:
            raise fail(f"{len(widths)} levels: Hallo's audio-mask levels (0-3) assume 4")
        for kind in down:
            if kind not in DOWN_TYPES:
                raise fail(f"down block type {kind} is not built")
        for kind in up:
            if kind not in UP_TYPES:
                raise fail(f"up block type {kind} is not built")
        if flat(raw.get("mid_block_type", "UNetMidBlock2DCrossAttn") or "") != "UNetMidBlock2DCrossAttn":
            raise fail("Hallo's denoiser needs the cross-attention middle block")
        for key, allowed in (("class_embed_type", None), ("addition_embed_type", None), ("encoder_hid_dim_type", None),
                             ("time_embedding_type", "positional"), ("unet_use_cross_frame_attention", False),
                             ("unet_use_temporal_attention", False), ("use_inflated_groupnorm", True),
                             ("only_cross_attention", False), ("upcast_attention", False),
                             ("resnet_time_scale_shift", "default"), ("center_input_sample", False),
                             ("motion_module_type", "Vanilla")):
            if key in raw and raw[key] not in (allowed, None if allowed is None else allowed):
                raise fail(f"{key} = {raw[key]!r} is not built (only {allowed!r})")
        if raw.get("act_fn", "silu") != "silu":
            raise fail(f"act_fn {raw['act_fn']} is not built")
        layers = _per_block(raw.get("layers_per_block", 2), len(widths), "layers_per_block")
        if len(set(layers)) != 1:
            raise fail("layers_per_block must be the same for every block")
        if any(t != 1 for t in _per_block(raw.get("transformer_layers_per_block", 1), len(widths), "transformer_layers_per_block")):
            raise fail("Hallo's video blocks have one transformer layer each")
        heads = _per_block(raw.get("num_attention_heads") or raw.get("attention_head_dim", 8), len(widths), "attention heads")
        cross = raw.get("cross_attention_dim", 768)
        if isinstance(cross, list):
            if len(set(cross)) != 1:
                raise fail("per-block cross_attention_dim values differ")
            cross = cross[0]
        motion = dict(MOTION_DEFAULTS)
        motion.update(raw.get("motion_module_kwargs") or {})
        if raw.get("use_motion_module", False):
            if any(t != "Temporal_Self" for t in motion["attention_block_types"]) or not motion["attention_block_types"]:
                raise fail(f"motion attention_block_types {motion['attention_block_types']} (only Temporal_Self)")
            if motion.get("cross_frame_attention_mode") is not None:
                raise fail("cross_frame_attention_mode is not built")
            if any(w % 32 for w in widths):
                raise fail("block widths must split into the motion modules' 32 norm groups")
        names = list(raw.get("stack_enable_blocks_name") or [])
        if any(n not in ("down", "mid", "up") for n in names):
            raise fail(f"stack_enable_blocks_name {names}")
        return cls(
            raw=raw, block_out_channels=widths, down_block_types=down, up_block_types=up, heads=heads,
            layers_per_block=layers[0], cross_attention_dim=int(cross), norm_num_groups=int(raw.get("norm_num_groups", 32)),
            norm_eps=float(raw.get("norm_eps", 1e-5)), in_channels=int(raw.get("in_channels", 4)),
            out_channels=int(raw.get("out_channels", 4)), flip_sin_to_cos=bool(raw.get("flip_sin_to_cos", True)),
            freq_shift=int(raw.get("freq_shift", 0)), downsample_padding=int(raw.get("downsample_padding", 1)),
            use_linear_projection=bool(raw.get("use_linear_projection", False)),
            use_motion_module=bool(raw.get("use_motion_module", False)),
            motion_module_resolutions=[int(r) for r in raw.get("motion_module_resolutions", [1, 2, 4, 8])],
            motion_module_mid_block=bool(raw.get("motion_module_mid_block", False)),
            motion_module_decoder_only=bool(raw.get("motion_module_decoder_only", False)),
            motion_module_kwargs=motion, use_audio_module=bool(raw.get("use_audio_module", False)),
            audio_attention_dim=int(raw.get("audio_attention_dim", 1024)), stack_enable_blocks_name=names,
            stack_enable_blocks_depth=[int(d) for d in raw.get("stack_enable_blocks_depth") or []],
        )
