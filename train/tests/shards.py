"""A synthetic shard folder in `tbd train prepare`'s format for the tiny checkpoint (16x16 frames; the tiny VAE
halves the size, so the masks are 8x8 at level 0)."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file


def write_shards(folder: Path, clips: int = 1, frames: int = 12, size: int = 16, seed: int = 0, text_width: int = 8,
                 audio: tuple[int, int] = (2, 32), vae_scale: int = 2) -> Path:
    """`audio` is the features' (layers, width); the defaults fit the tiny checkpoint."""
    g = torch.Generator().manual_seed(seed)
    (folder / "clips").mkdir(parents=True, exist_ok=True)
    entries = []
    for number in range(clips):
        key = f"clip{number}"
        # A smooth moving pattern, so consecutive frames are related as in a video.
        y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
        video = torch.stack([torch.stack([(128 + 100 * torch.sin((x + 2 * t + c) / 3.0 + number)) for c in range(3)], -1)
                             for t in range(frames)]).clamp(0, 255).to(torch.uint8)
        latent = size // vae_scale
        tensors = {"frames": video, "audio_features": torch.randn(frames, *audio, generator=g),
                   "text.coarse": torch.randn(1, 77, text_width, generator=g),
                   "text.fine": torch.randn(1, 77, text_width, generator=g)}
        for level in range(4):
            side = latent >> level
            for region in ("full", "face", "lip"):
                tensors[f"mask.{region}.{level}"] = torch.rand(side, side, generator=g)
        save_file(tensors, str(folder / "clips" / f"{key}.safetensors"))
        entries.append({"key": key, "file": f"clips/{key}.safetensors", "annotationId": number + 1, "revision": 1,
                        "clipPath": f"{key}.mp4", "speechPath": f"{key}.m4a", "actor": "M001", "emotion": "happy",
                        "level": 1, "split": "train", "frames": frames})
    index = {"format": 1, "size": size, "fps": 25, "model": "talking-tiny-masked", "modelSha256": "0" * 64,
             "testActors": [], "clips": entries, "skipped": []}
    (folder / "index.json").write_text(json.dumps(index))
    return folder
