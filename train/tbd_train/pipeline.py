"""The talking-head rendering pipeline in PyTorch: a clip rendered from a talking checkpoint folder window by window
exactly as `tbd render` renders it (Sources/Renderer/Talking/TalkingClipRenderer.swift), on any torch device. It is
the trainer's validation renderer and the GPU rendering path.

Per window, as the renderer: the initial noise is the renderer's `GaussianNoise(seed + window)`; the ReferenceNet
runs once at t = 0 on the VAE latents of [portrait, motion frames] (window 0: the portrait repeated; later windows:
the previous window's last decoded frames, as 8-bit images) with the text of step 0 of the progressive schedule;
DDIM over the folder's scheduler, each step a batch of two: [unconditional: the negative prompt, zero audio tokens,
no reference; conditional: the schedule's blend of the prompts at that step, the window's audio tokens, the
reference], combined by classifier-free guidance; the VAE decodes frame by frame.

Inputs are what `tbd train prepare` stores (and `tbd model run text-encoder` / `audio-encoder` write): prompt
embeddings [1, 77, D], wav2vec 2.0 features [F, L, D] aligned to frames, masks per UNet level. The tokenizer and the
audio encoder stay on the Swift side. Only DDIM (the renderer's default sampler) is implemented here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch
from diffusers import AutoencoderKL

from .gaussian_noise import gaussian_noise
from .networks import TalkingNetworks, audio_windows, load_networks
from .objective import noise_scheduler
from .schedule import GuidanceSchedule

# SD1.5's tokenizer on the empty prompt: <|startoftext|>, <|endoftext|>, then padding with <|endoftext|> (the
# renderer's negative prompt, docs/renderer.md). Its embedding is the unconditional text.
EMPTY_PROMPT_IDS = [49406] + [49407] * 76


def empty_prompt_embedding(folder: Path) -> torch.Tensor:
    from transformers import CLIPTextModel

    encoder = CLIPTextModel.from_pretrained(str(Path(folder) / "text_encoder"), dtype=torch.float32)
    with torch.no_grad():
        return encoder(torch.tensor([EMPTY_PROMPT_IDS])).last_hidden_state  # [1, 77, D]


@dataclass
class RenderSettings:
    """`tbd render`'s sampling options, with its defaults."""
    steps: int = 40
    guidance_scale: float = 3.5
    guidance_rescale: float = 0.0
    splits: list[float] = field(default_factory=lambda: [0.4])
    mode: str = "paper"
    alpha_max: float = 1.0
    alpha_min: float = 0.5
    window: int = 16
    motion_frames: int = 2
    seed: int = 0


@dataclass
class RenderedClip:
    frames: torch.Tensor          # U8 [N, H, W, 3], as the renderer writes them
    values: torch.Tensor          # float32 [N, 3, H, W] in [0, 1]: the same frames before rounding to 8 bits
    latents: list[torch.Tensor]   # per window, the last step's latents [1, 4, window, h, w]


def to_pixels(images: torch.Tensor) -> torch.Tensor:
    """U8 [N, H, W, 3] -> [N, 3, H, W] in [-1, 1] (x / 127.5 - 1, the renderer's conversion)."""
    return images.permute(0, 3, 1, 2).float() / 127.5 - 1


def to_unit(decoded: torch.Tensor) -> torch.Tensor:
    """The VAE's output to [0, 1]: (x / 2 + 0.5) clamped."""
    return (decoded.float() / 2 + 0.5).clamp(0, 1)


def to_bytes(unit: torch.Tensor) -> torch.Tensor:
    """[N, 3, H, W] in [0, 1] -> U8 [N, H, W, 3]; rounding half away from zero, as Swift's `rounded()`."""
    return torch.floor(unit * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).contiguous()


class TalkingPipeline:
    """Renders with a talking checkpoint folder's VAE and scheduler and either its own trained networks or the
    given ones (the trainer passes the weights it is training)."""

    def __init__(self, folder: Path, device: torch.device | str | None = None, networks: TalkingNetworks | None = None,
                 vae: AutoencoderKL | None = None, unconditional: torch.Tensor | None = None):
        self.folder = Path(folder)
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.networks = networks or load_networks(self.folder)
        self.vae = vae or AutoencoderKL.from_pretrained(str(self.folder / "vae"), torch_dtype=torch.float32)
        self.vae.requires_grad_(False).eval().to(self.device)
        self.scheduler = noise_scheduler(self.folder)
        self.unconditional = (unconditional if unconditional is not None else empty_prompt_embedding(self.folder)).float()
        if networks is None:
            for module in self.networks.modules().values():
                module.to(self.device)

    # ---- VAE -------------------------------------------------------------------------------------------------
    @property
    def vae_scale(self) -> int:
        """Pixels per latent: 8 for SD1.5's VAE, 2 for the tiny one."""
        return 1 << (len(self.vae.config.block_out_channels) - 1)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """U8 [N, H, W, 3] -> latents (mean - shift) * scaling factor, as the renderer's `vae.encode`."""
        config = self.vae.config
        mean = self.vae.encode(to_pixels(images).to(self.device)).latent_dist.mean
        return (mean - (getattr(config, "shift_factor", None) or 0)) * config.scaling_factor

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """[1, 4, F, h, w] -> [F, 3, H, W] in [0, 1], frame by frame as the renderer decodes."""
        config = self.vae.config
        frames = []
        for position in range(latents.shape[2]):
            frame = latents[:, :, position] / config.scaling_factor + (getattr(config, "shift_factor", None) or 0)
            frames.append(to_unit(self.vae.decode(frame).sample))
        return torch.cat(frames)

    # ---- rendering -------------------------------------------------------------------------------------------
    @torch.no_grad()
    def render(self, prompts: list[torch.Tensor], reference: torch.Tensor, frames: int,
               audio_features: torch.Tensor | None = None, masks: list | None = None,
               settings: RenderSettings | None = None, negative: torch.Tensor | None = None) -> RenderedClip:
        """`prompts`: per schedule stage, coarse first, an embedding [1, 77, D]; `reference`: the portrait, U8
        [H, W, 3] at the frame size (the renderer scales other sizes; here the caller does); `audio_features`
        [F', L, D] covering every frame of the whole windows (F' >= windows x window; None: zero audio tokens);
        `masks` per UNet level (full, face, lip), each [h >> l, w >> l] at latent size (None: all ones);
        `negative`: the negative prompt's embedding (default: the empty prompt's)."""
        s = settings or RenderSettings()
        denoiser, reference_net, projection = self.networks.denoiser, self.networks.reference, self.networks.audio_proj
        config = denoiser.config
        self._check(s, prompts, reference, frames, audio_features)
        height, width = reference.shape[0], reference.shape[1]
        scale = self.vae_scale
        shape = (1, config.in_channels, s.window, height // scale, width // scale)
        windows = (frames + s.window - 1) // s.window
        schedule = GuidanceSchedule(steps=s.steps, splits=list(s.splits), mode=s.mode, alpha_max=s.alpha_max,
                                    alpha_min=s.alpha_min)
        if len(prompts) != schedule.stage_count:
            raise ValueError(f"{len(prompts)} prompt embeddings for a schedule of {schedule.stage_count} stages")
        prompts = [p.float().to(self.device) for p in prompts]
        texts = [self._blend(prompts, schedule.weights(step)) for step in range(s.steps)]
        negative = (self.unconditional if negative is None else negative).float().to(self.device)
        portrait = self.encode(reference[None])
        pair_masks = None if masks is None else [tuple(m.float().to(self.device)[None].expand(2, -1, -1) for m in level)
                                                 for level in masks]
        kept: list[torch.Tensor] = []
        values: list[torch.Tensor] = []
        latents_per_window = []
        was_training = [m.training for m in self.networks.modules().values()]
        for module in self.networks.modules().values():
            module.eval()
        try:
            for index in range(windows):
                if index == 0:
                    motion = [portrait] * s.motion_frames
                else:
                    motion = [self.encode(kept[-1][-s.motion_frames:])] if s.motion_frames else []
                bank = reference_net.bank(torch.cat([portrait] + motion), texts[0].expand(1 + s.motion_frames, -1, -1),
                                          denoiser.reader_order(), items=1)
                bank = {"reference": {k: v.expand(2, *v.shape[1:]) for k, v in bank["reference"].items()},
                        "motion": {k: v.expand(2, *v.shape[1:]) for k, v in bank["motion"].items()}}
                audio = None
                if config.use_audio_module:
                    if audio_features is None:
                        tokens = torch.zeros(1, s.window, projection.config["context_tokens"], projection.config["output_dim"],
                                             device=self.device)
                    else:
                        rows = audio_windows(audio_features.float(), 2)[index * s.window:(index + 1) * s.window]
                        tokens = projection(rows[None].to(self.device))
                    audio = torch.cat([torch.zeros_like(tokens), tokens])
                noise = gaussian_noise((s.seed + index) & ((1 << 64) - 1), shape).to(self.device)
                latents = self._sample(noise, texts, negative, audio, bank, pair_masks, s)
                if not torch.isfinite(latents).all():
                    raise FloatingPointError(f"the latents of window {index + 1} are not finite")
                count = min(frames, (index + 1) * s.window) - index * s.window
                unit = self.decode(latents[:, :, :count])
                values.append(unit.cpu())
                kept.append(to_bytes(unit).cpu())
                latents_per_window.append(latents.cpu())
        finally:
            for module, training in zip(self.networks.modules().values(), was_training):
                module.train(training)
        return RenderedClip(torch.cat(kept), torch.cat(values), latents_per_window)

    def _sample(self, noise, texts, negative, audio, bank, masks, s: RenderSettings) -> torch.Tensor:
        scheduler = type(self.scheduler).from_config(self.scheduler.config)
        scheduler.set_timesteps(s.steps, device=self.device)
        latents = noise * scheduler.init_noise_sigma
        reference_rows = torch.tensor([False, True], device=self.device)
        for step, timestep in enumerate(scheduler.timesteps):
            text = torch.cat([negative, texts[step]])
            output = self.networks.denoiser(torch.cat([latents, latents]), timestep.reshape(1), text, audio, bank,
                                            masks, reference_rows)
            unconditional, conditional = output[:1], output[1:]
            guided = unconditional + s.guidance_scale * (conditional - unconditional)
            if s.guidance_rescale > 0:
                dims = list(range(1, guided.dim()))
                rescaled = guided * (conditional.std(dim=dims, keepdim=True) / guided.std(dim=dims, keepdim=True))
                guided = s.guidance_rescale * rescaled + (1 - s.guidance_rescale) * guided
            latents = scheduler.step(guided, timestep, latents, eta=0.0).prev_sample
        return latents

    @staticmethod
    def _blend(prompts: list[torch.Tensor], weights: list[float]) -> torch.Tensor:
        # Term by term in stage order, skipping zero weights, as the renderer's schedule sums.
        text = torch.zeros_like(prompts[0])
        for prompt, weight in zip(prompts, weights):
            if weight != 0:
                text = text + prompt * weight
        return text

    def _check(self, s: RenderSettings, prompts, reference, frames, audio_features) -> None:
        config = self.networks.denoiser.config
        if frames < 1:
            raise ValueError(f"a clip needs at least one frame, not {frames}")
        if not 1 <= s.window <= 256 or not 0 <= s.motion_frames <= s.window:
            raise ValueError(f"window {s.window} and motion frames {s.motion_frames}: 1-256 and 0-window")
        if reference.dtype != torch.uint8 or reference.dim() != 3 or reference.shape[2] != 3:
            raise ValueError(f"the reference {tuple(reference.shape)} {reference.dtype} is not U8 [H, W, 3]")
        factor = self.vae_scale << (len(config.block_out_channels) - 1)
        if reference.shape[0] % factor or reference.shape[1] % factor:
            raise ValueError(f"frame size {reference.shape[1]}x{reference.shape[0]} must be a multiple of {factor}")
        motion = config.motion_module_kwargs
        if config.use_motion_module and motion["temporal_position_encoding"]:
            positions = motion["temporal_position_encoding_max_len"]
            if s.window + s.motion_frames > positions:
                raise ValueError(f"window {s.window} plus {s.motion_frames} motion frames exceeds the motion modules' "
                                 f"{positions} positions")
        if audio_features is not None:
            padded = (frames + s.window - 1) // s.window * s.window
            if audio_features.dim() != 3 or audio_features.shape[0] < padded:
                raise ValueError(f"audio features {tuple(audio_features.shape)} must be [F, L, D] with F >= {padded} "
                                 "(every frame of the whole windows)")
