"""Validation renders during training: every `validation_steps` the trainer renders the first frames of a fixed clip
with the PyTorch pipeline (what `tbd render` renders) from its current weights, and writes them under
OUTPUT/validation/step-N/: PNG frames, an MP4 when ffmpeg is on PATH, and a note with the `tbd eval video` command
that scores them against the clip's own frames (OUTPUT/validation/target/). Scoring runs in Swift."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .data import ShardError, ShardSet, masks_of
from .networks import TalkingNetworks
from .pipeline import RenderSettings, TalkingPipeline


def eval_weights_folder() -> Path:
    """Where `tbd eval` looks for LPIPS and FID weights (docs/evaluation.md)."""
    return Path(os.environ.get("TBD_EVAL_WEIGHTS") or Path.home() / ".cache" / "tbd" / "eval-weights")


def write_frames(frames: torch.Tensor, folder: Path, fps: int) -> Path | None:
    """U8 [N, H, W, 3] as folder/frame-000.png ...; and folder.mp4 beside it when ffmpeg is on PATH. Returns the
    MP4's path, or None."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(frames):
        Image.fromarray(frame.numpy()).save(folder / f"frame-{index:03d}.png")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    video = folder.parent / f"{folder.name}.mp4"
    run = subprocess.run([ffmpeg, "-y", "-loglevel", "error", "-framerate", str(fps), "-i", str(folder / "frame-%03d.png"),
                          "-pix_fmt", "yuv420p", str(video)], capture_output=True, text=True)
    if run.returncode != 0:
        print(f"validation: ffmpeg could not write {video} ({run.stderr.strip()[-300:]}); the PNG frames are there")
        return None
    return video


class ValidationRender:
    """The validation clip, chosen once: the first clip of the held-out (`test`) split, else of `train`."""

    def __init__(self, data: Path, config: dict, output_dir: Path):
        try:
            self.shards, self.split = ShardSet(data, "test"), "test"
        except ShardError:
            self.shards, self.split = ShardSet(data, "train"), "train"
        self.clip = self.shards.clip(0)
        v = config["validation"]
        self.settings = RenderSettings(steps=int(v["steps"]), guidance_scale=float(v["guidance_scale"]),
                                       splits=list(config["guidance"]["splits"]), mode=config["guidance"]["mode"],
                                       alpha_max=config["guidance"]["alpha_max"], alpha_min=config["guidance"]["alpha_min"],
                                       window=int(v["window"]), motion_frames=int(config["motion_frames"]), seed=int(v["seed"]))
        if len(self.settings.splits) != 1:
            raise ValueError(f"validation renders the shards' two prompts (coarse, fine): guidance splits "
                             f"{self.settings.splits} make {len(self.settings.splits) + 1} stages")
        # Whole windows only: the audio features of the shard cover the clip's frames, not the renderer's padding.
        window = self.settings.window
        self.frames = min(int(v["frames"]), self.clip.frames) // window * window
        if self.frames < 1:
            raise ShardError(f"{self.clip.path}: {self.clip.frames} frames, fewer than one validation window of {window}")
        self.folder = Path(output_dir) / "validation"
        self.fps = self.shards.fps

    def write_target(self) -> Path:
        """The clip's own frames over the rendered span: what the renders are scored against."""
        target = self.folder / "target"
        if not target.is_dir():
            write_frames(self.clip.tensors["frames"][:self.frames], target, self.fps)
        return target

    def render(self, step: int, networks: TalkingNetworks, folder: Path, device, vae, unconditional) -> dict:
        """Renders with `networks` (the weights being trained) and writes step-N/. Returns what to log."""
        started = time.time()
        pipeline = TalkingPipeline(folder, device, networks=networks, vae=vae, unconditional=unconditional)
        clip = self.clip
        prompts = [clip.tensors["text.coarse"], clip.tensors["text.fine"]]
        rendered = pipeline.render(prompts, clip.tensors["frames"][0], self.frames, clip.tensors["audio_features"],
                                   masks_of(clip) or None, self.settings)
        target = self.write_target()
        out = self.folder / f"step-{step}"
        video = write_frames(rendered.frames, out, self.fps)
        self.write_note(out, video, target)
        return {"frames": rendered.frames, "seconds": time.time() - started, "folder": out}

    def write_note(self, out: Path, video: Path | None, target: Path) -> None:
        weights = eval_weights_folder()
        metrics = "psnr,ssim,cpbd,lpips,fid" if weights.is_dir() and any(weights.iterdir()) else "psnr,ssim,cpbd"
        lines = [f"Validation render of {self.clip.key} ({self.split} split), frames 0-{self.frames - 1}, "
                 f"{self.settings.steps} DDIM steps, guidance {self.settings.guidance_scale}, seed {self.settings.seed}.",
                 "Score it against the clip's own frames with tbd (the metrics run in Swift, docs/evaluation.md):",
                 f"  tbd eval video {out} --reference {target} --metrics {metrics}"]
        if metrics.endswith("cpbd"):
            lines.append(f"LPIPS and FID need converted weights in {weights} (scripts/convert-eval-weights.py).")
        if video is None:
            lines.append("No MP4: ffmpeg is not on PATH (the PNG frames are the render).")
        (out / "score.txt").write_text("\n".join(lines) + "\n")


def render_clip(arguments) -> Path:
    """`python -m tbd_train render`: one clip of the shards, from its first frame, prompts, speech and masks."""
    out = Path(arguments.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"{out} exists and is not empty: choose a new folder")
    if (out.parent / f"{out.name}.mp4").exists():
        raise ValueError(f"{out.parent / f'{out.name}.mp4'} exists: choose a new folder name")
    shards = ShardSet(arguments.data, None)
    numbers = [n for n, entry in enumerate(shards.entries) if entry.get("key") == arguments.clip]
    if not numbers:
        raise ShardError(f"{arguments.data}/index.json has no clip {arguments.clip!r}")
    clip = shards.clip(numbers[0])
    settings = RenderSettings(steps=arguments.steps, guidance_scale=arguments.cfg, splits=[arguments.split],
                              window=arguments.window, motion_frames=arguments.motion_frames, seed=arguments.seed)
    frames = min(arguments.frames or clip.frames, clip.frames) // settings.window * settings.window
    if frames < 1:
        raise ShardError(f"{clip.path}: {clip.frames} frames, fewer than one window of {settings.window}")
    rendered = TalkingPipeline(arguments.model, arguments.device).render(
        [clip.tensors["text.coarse"], clip.tensors["text.fine"]], clip.tensors["frames"][0], frames,
        clip.tensors["audio_features"], masks_of(clip) or None, settings)
    write_frames(rendered.frames, out, shards.fps)
    return out


def log_frames(accelerator, step: int, frames: torch.Tensor) -> None:
    """The frames to the trackers that take images (TensorBoard's), as [N, H, W, 3]."""
    for tracker in accelerator.trackers:
        if tracker.name == "tensorboard":
            tracker.log_images({"validation": np.asarray(frames)}, step=step, dataformats="NHWC")
