"""The training loop of both stages on accelerate (DDP across processes and nodes; mixed precision; gradient
accumulation), with checkpoints every N steps and exact resumption."""
from __future__ import annotations

import json
import math
import shutil
import time
from importlib.util import find_spec
from pathlib import Path

import torch
import torch.nn.functional as F
from accelerate import Accelerator
from accelerate.utils import DistributedDataParallelKwargs, ProjectConfiguration
from diffusers import AutoencoderKL
from torch import nn

from .data import ShardError, ShardSet, WindowSampler
from .networks import TalkingNetworks, load_networks
from .networks.folder import check_folder, write_folder
from .objective import draw_noise, min_snr_weights, noise_scheduler, sampling_timesteps
from .pipeline import empty_prompt_embedding
from .schedule import GuidanceSchedule, TrainingBlend
from .validation import ValidationRender, log_frames


class TalkingModel(nn.Module):
    """The trained networks in one module, so accelerate wraps, saves and loads them together."""

    def __init__(self, networks):
        super().__init__()
        self.denoiser = networks.denoiser
        self.reference = networks.reference
        self.audio_proj = networks.audio_proj

    def forward(self, noisy, timesteps, text, reference_text, reference_latents, audio, masks, reference_rows,
                audio_keep, spatial_only: bool):
        items = noisy.shape[0]
        bank = self.reference.bank(reference_latents, reference_text, self.denoiser.reader_order(), items)
        bank.pop("ordered")
        tokens = None
        if not spatial_only:
            tokens = self.audio_proj(audio) * audio_keep[:, None, None, None].to(audio.dtype)
        return self.denoiser(noisy, timesteps, text, tokens, bank, masks, reference_rows, spatial_only)


def trainable_parameters(model: TalkingModel, stage: int) -> list[nn.Parameter]:
    """Stage 1: the ReferenceNet and the denoiser's spatial layers (Hallo's stage 1 without face locator and image
    projection, which this model does not have). Stage 2: motion modules, audio modules, audio projection."""
    model.requires_grad_(False)
    groups = model.denoiser.trainable_groups()
    if stage == 1:
        chosen = list(model.reference.parameters()) + groups["spatial"]
    else:
        chosen = groups["motion"] + groups["audio"] + list(model.audio_proj.parameters())
    for parameter in chosen:
        parameter.requires_grad_(True)
    return chosen


def latest_checkpoint(output_dir: Path) -> Path | None:
    folders = [p for p in (output_dir / "checkpoints").glob("checkpoint-*") if (p / "trainer.json").is_file()]
    return max(folders, key=lambda p: int(p.name.split("-")[1]), default=None)


class Trainer:
    def __init__(self, stage: int, config: dict, data: Path, output_dir: Path, model: Path | None = None,
                 max_train_steps: int | None = None, resume: str | None = None):
        if stage not in (1, 2):
            raise ValueError(f"stage {stage}: 1 or 2")
        self.stage, self.config = stage, config
        self.output_dir = Path(output_dir)
        folder = Path(model or config["model"] or "")
        if not str(folder) or folder == Path(""):
            raise ValueError("no model folder: give --model or `model:` in the config")
        check_folder(folder)
        self.folder = folder.resolve()
        self.max_steps = int(max_train_steps if max_train_steps is not None else config["max_train_steps"])
        # accelerate drops a tracker whose package is missing without a word; a run asked to log must not.
        if config["report_to"] == "tensorboard" and find_spec("tensorboard") is None and find_spec("tensorboardX") is None:
            raise RuntimeError("report_to: tensorboard needs the tensorboard package, which is optional: "
                               "pip install './train[tensorboard]', or set report_to: null to log to the console only")
        self.accelerator = Accelerator(
            mixed_precision=config["mixed_precision"],
            gradient_accumulation_steps=config["gradient_accumulation_steps"],
            log_with=config["report_to"],
            project_config=ProjectConfiguration(project_dir=str(self.output_dir), logging_dir=str(self.output_dir / "logs")),
            # Hallo's plain blocks hold motion modules that never run, and the ReferenceNet's last layers feed nothing.
            kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],
        )
        self.shards = ShardSet(data, "train")
        if self.shards.size != config["resolution"]:
            raise ShardError(f"{data}: the shards are {self.shards.size}x{self.shards.size}, the config trains "
                             f"{config['resolution']}x{config['resolution']}")
        frames, motion = (1, 0) if stage == 1 else (config["frames"], config["motion_frames"])
        self.sampler = WindowSampler(self.shards, frames, motion, config["seed"], config["reference_margin"])

        networks = load_networks(self.folder)
        self.check_data_fits(networks)
        self.model = TalkingModel(networks)
        self.model.denoiser.gradient_checkpointing = bool(config["gradient_checkpointing"])
        if config["gradient_checkpointing"]:
            self.model.reference.unet.enable_gradient_checkpointing()
        parameters = trainable_parameters(self.model, stage)
        self.optimizer = self.make_optimizer(parameters)
        self.vae = AutoencoderKL.from_pretrained(str(self.folder / "vae"), torch_dtype=torch.float32)
        self.vae.requires_grad_(False).eval()
        self.scheduler = noise_scheduler(self.folder, config["beta_schedule"])
        guidance = GuidanceSchedule(**config["guidance"])
        self.blend = TrainingBlend(guidance, sampling_timesteps(noise_scheduler(self.folder), guidance.steps),
                                   self.scheduler.config.num_train_timesteps)
        self.uncond = empty_prompt_embedding(self.folder)
        self.validation = ValidationRender(data, config, self.output_dir) if config["validation_steps"] else None
        self.model, self.optimizer = self.accelerator.prepare(self.model, self.optimizer)
        self.vae.to(self.accelerator.device)
        self.step = 0
        self.losses: list[float] = []
        if resume:
            self.resume(resume)
        if self.accelerator.is_main_process and config["report_to"]:
            self.accelerator.init_trackers(f"stage{stage}", {k: v for k, v in config.items() if not isinstance(v, (dict, list))})

    def check_data_fits(self, networks) -> None:
        clip = self.shards.clip(0)
        audio = clip.tensors["audio_features"]
        proj = networks.audio_proj.config
        if (audio.shape[1], audio.shape[2]) != (proj["blocks"], proj["channels"]):
            raise ShardError(f"{clip.path}: audio features [F, {audio.shape[1]}, {audio.shape[2]}] do not fit the audio "
                             f"projection ([F, {proj['blocks']}, {proj['channels']}]): shards of another checkpoint")
        width = clip.tensors["text.coarse"].shape[-1]
        if width != networks.denoiser.config.cross_attention_dim:
            raise ShardError(f"{clip.path}: text embeddings {width} wide, the denoiser's cross-attention takes "
                             f"{networks.denoiser.config.cross_attention_dim}: shards of another checkpoint")

    def make_optimizer(self, parameters):
        c = self.config
        kwargs = dict(lr=c["learning_rate"], betas=(c["adam_beta1"], c["adam_beta2"]), weight_decay=c["adam_weight_decay"],
                      eps=c["adam_epsilon"])
        if c["use_8bit_adam"]:
            try:
                import bitsandbytes
            except ImportError:
                raise RuntimeError("use_8bit_adam needs bitsandbytes (pip install './train[bnb]'; CUDA only)") from None
            return bitsandbytes.optim.AdamW8bit(parameters, **kwargs)
        return torch.optim.AdamW(parameters, **kwargs)

    @torch.no_grad()
    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """[N, 3, S, S] in [-1, 1] -> VAE latent means times the scaling factor (the renderer's encoding)."""
        latents = self.vae.encode(images.to(self.accelerator.device)).latent_dist.mean
        return latents * self.vae.config.scaling_factor

    def loss_at(self, step: int) -> torch.Tensor:
        c, device = self.config, self.accelerator.device
        batch = self.sampler.batch(step, self.accelerator.process_index, c["batch_size"])
        items, frames = batch["target"].shape[:2]
        latents = self.encode(batch["target"].flatten(0, 1))
        latents = latents.reshape(items, frames, *latents.shape[1:]).transpose(1, 2)  # [B, 4, F, h, w]
        u = batch["uniform"]
        drop_all = u[:, 0] < c["dropout"]["all"]
        drop_text = drop_all | (u[:, 1] < c["dropout"]["text"])
        drop_audio = drop_all | (u[:, 2] < c["dropout"]["audio"])
        drop_reference = drop_all | (u[:, 3] < c["dropout"]["reference"])
        references = batch["reference"]
        if self.stage == 2:  # a clip's first window: the motion frames are the reference frame repeated
            start = u[:, 4] < c["start_ratio"]
            references = torch.where(start[:, None, None, None, None], references[:, :1].expand_as(references), references)
        reference_latents = self.encode(references.flatten(0, 1))

        noise, timesteps = draw_noise(tuple(latents.shape[1:]), batch["noise_seeds"], c["noise_offset"],
                                      self.scheduler.config.num_train_timesteps)
        noise = noise.to(device)
        noisy = self.scheduler.add_noise(latents, noise, timesteps)
        target = self.scheduler.get_velocity(latents, noise, timesteps)

        prompts = batch["text"].to(device)  # [B, 2, 77, D]: coarse, fine
        uncond = self.uncond.to(device).expand(items, -1, -1)
        text = torch.where(drop_text.to(device)[:, None, None], uncond, self.blend.condition(prompts, timesteps))
        reference_text = self.blend.reference_condition(prompts).repeat_interleave(references.shape[1], dim=0)
        masks = self.fit_masks(batch["masks"], latents.shape[-2:])
        with self.accelerator.autocast():
            prediction = self.model(noisy, timesteps.to(device), text, reference_text, reference_latents,
                                    batch["audio"].to(device), masks, (~drop_reference).to(device),
                                    (~drop_audio).to(device), self.stage == 1)
        errors = F.mse_loss(prediction.float(), target.float(), reduction="none").mean(dim=(1, 2, 3, 4))
        return (errors * min_snr_weights(self.scheduler, timesteps, c["snr_gamma"]).to(device)).mean()

    def fit_masks(self, masks, size):
        """The shards' masks per level; resized (area) when the VAE's latent grid differs from size / 8."""
        device = self.accelerator.device
        height, width = int(size[0]), int(size[1])
        fitted = []
        for level, regions in enumerate(masks):
            want = (height >> level, width >> level)
            fitted.append(tuple((m if tuple(m.shape[-2:]) == want else
                                 F.interpolate(m[:, None], size=want, mode="area")[:, 0]).to(device) for m in regions))
        return fitted or None

    def train(self) -> list[float]:
        accelerator = self.accelerator
        model = self.model
        model.train()
        started = time.time()
        while self.step < self.max_steps:
            with accelerator.accumulate(model):
                loss = self.loss_at(self.step)
                accelerator.backward(loss)
                if accelerator.sync_gradients and self.config["max_grad_norm"]:
                    accelerator.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], self.config["max_grad_norm"])
                self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
            if not accelerator.sync_gradients:
                continue
            self.step += 1
            value = float(accelerator.gather(loss.detach()[None]).mean())
            self.losses.append(value)
            if not math.isfinite(value):
                raise FloatingPointError(f"step {self.step}: loss {value}")
            if self.config["report_to"]:
                accelerator.log({"loss": value}, step=self.step)
            if accelerator.is_main_process and (self.step % self.config["log_every"] == 0 or self.step == self.max_steps):
                rate = (time.time() - started) / max(1, len(self.losses))
                print(f"stage {self.stage} step {self.step}/{self.max_steps} loss {value:.5f} ({rate:.2f} s/step)", flush=True)
            if self.validation and self.step % self.config["validation_steps"] == 0:
                self.validate()
            if self.step % self.config["checkpointing_steps"] == 0 or self.step == self.max_steps:
                self.save()
        accelerator.wait_for_everyone()
        accelerator.end_training()
        return self.losses

    def validate(self) -> Path | None:
        """Renders the validation clip with the current weights (main process; the others wait). It draws no random
        numbers from torch, so a run with validation trains exactly as one without."""
        folder = None
        if self.accelerator.is_main_process:
            model = self.accelerator.unwrap_model(self.model)
            networks = TalkingNetworks(model.denoiser, model.reference, model.audio_proj)
            result = self.validation.render(self.step, networks, self.folder, self.accelerator.device, self.vae, self.uncond)
            folder = result["folder"]
            print(f"validation at step {self.step}: {len(result['frames'])} frames in {result['seconds']:.1f} s -> {folder}",
                  flush=True)
            if self.config["report_to"]:
                self.accelerator.log({"validation_seconds": result["seconds"]}, step=self.step)
                log_frames(self.accelerator, self.step, result["frames"])
        self.accelerator.wait_for_everyone()
        return folder

    # ---- checkpoints ----------------------------------------------------------------------------------------
    def save(self) -> Path:
        directory = self.output_dir / "checkpoints" / f"checkpoint-{self.step}"
        self.accelerator.save_state(str(directory))
        if self.accelerator.is_main_process:
            state = {"step": self.step, "stage": self.stage, "model": str(self.folder), "losses": self.losses}
            (directory / "trainer.json").write_text(json.dumps(state, indent=1))
            if self.config["export_checkpoints"]:
                export(directory, directory / "talking")
            self.prune()
        self.accelerator.wait_for_everyone()
        return directory

    def prune(self) -> None:
        limit = self.config["checkpoints_total_limit"]
        if not limit:
            return
        folders = sorted((self.output_dir / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
        for old in folders[:-int(limit)]:
            shutil.rmtree(old)

    def resume(self, which: str) -> None:
        directory = latest_checkpoint(self.output_dir) if which == "latest" else Path(which)
        if directory is None:
            self.accelerator.print(f"no checkpoint under {self.output_dir / 'checkpoints'}: starting at step 0")
            return
        state_path = directory / "trainer.json"
        if not state_path.is_file():
            raise FileNotFoundError(f"{directory} is not a trainer checkpoint (no trainer.json)")
        state = json.loads(state_path.read_text())
        if state["stage"] != self.stage:
            raise ValueError(f"{directory} is a stage {state['stage']} checkpoint, not stage {self.stage}")
        self.accelerator.load_state(str(directory))
        self.step, self.losses = int(state["step"]), list(state["losses"])
        self.accelerator.print(f"resumed from {directory} at step {self.step}")


def export(checkpoint: Path, out: Path, dtype: torch.dtype = torch.float32) -> Path:
    """A trainer checkpoint as a talking checkpoint folder: the trained weights, the rest of the folder it started
    from copied unchanged."""
    from safetensors.torch import load_file

    checkpoint, out = Path(checkpoint), Path(out)
    state_path = checkpoint / "trainer.json"
    weights = checkpoint / "model.safetensors"
    if not state_path.is_file() or not weights.is_file():
        raise FileNotFoundError(f"{checkpoint} is not a trainer checkpoint (needs trainer.json and model.safetensors)")
    source = Path(json.loads(state_path.read_text())["model"])
    networks = load_networks(source)
    model = TalkingModel(networks)
    state = load_file(str(weights))
    model.load_state_dict(state, strict=True)
    write_folder(networks, source, out, dtype)
    return out
