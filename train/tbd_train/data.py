"""Training windows from the shards `tbd train prepare` writes (docs/training.md): `index.json` and per clip
`clips/KEY.safetensors` with `frames` U8 [F, S, S, 3], `audio_features` F32 [F, L, D], `mask.{full,face,lip}.{0..3}`
and `text.coarse` / `text.fine` [1, 77, D].

Every random choice of a batch (clip, window, reference frame) comes from a generator seeded by (seed, step,
global item), the global item being process x batch size + the item's place in the process's batch: a batch
depends only on those, so resuming at step N draws exactly what an uninterrupted run draws, processes never draw
the same windows, and N processes of batch b draw the items one process of batch N x b draws."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open

from .networks.audio_proj import audio_windows

REGIONS = ("full", "face", "lip")


class ShardError(ValueError):
    """A data folder, index or shard the trainer cannot use."""


def generator(*parts: int) -> torch.Generator:
    seed = 0
    for part in parts:  # a fixed mix, independent of Python's hash randomisation
        seed = (seed * 1_000_003 + int(part) + 1) % (2**63 - 1)
    return torch.Generator().manual_seed(seed)


@dataclass
class Clip:
    key: str
    path: Path
    frames: int
    tensors: dict[str, torch.Tensor]


class ShardSet:
    """The clips of one split, loaded on first use and kept (a tiny run's clips fit in memory; a real run's
    loader reads a clip per window from the memory-mapped file)."""

    def __init__(self, data: Path, split: str | None = "train", keep_in_memory: bool = True):
        """`split` None takes every clip."""
        data = Path(data)
        index_path = data / "index.json"
        if not index_path.is_file():
            raise ShardError(f"{data}: no index.json (write the shards with `tbd train prepare --out {data}`)")
        try:
            index = json.loads(index_path.read_text())
        except json.JSONDecodeError as error:
            raise ShardError(f"{index_path} cannot be read: {error}") from None
        if index.get("format") != 1:
            raise ShardError(f"{index_path}: format {index.get('format')!r}, this trainer reads format 1")
        self.size = int(index["size"])
        self.fps = int(index["fps"])
        self.entries = [c for c in index.get("clips", []) if split is None or c.get("split", "train") == split]
        if not self.entries:
            raise ShardError(f"{index_path}: no clips" + (f" in the {split!r} split" if split else ""))
        for entry in self.entries:
            path = data / entry["file"]
            if not path.is_file():
                raise ShardError(f"{index_path} lists {entry['file']}, which is missing")
        self.data = data
        self.keep = keep_in_memory
        self._cache: dict[int, Clip] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def clip(self, number: int) -> Clip:
        if number in self._cache:
            return self._cache[number]
        entry = self.entries[number]
        path = self.data / entry["file"]
        with safe_open(str(path), "pt") as shard:
            names = set(shard.keys())
            needed = {"frames", "audio_features", "text.coarse", "text.fine"} | {f"mask.{r}.0" for r in REGIONS}
            missing = sorted(needed - names)
            if missing:
                raise ShardError(f"{path}: missing {', '.join(missing)}")
            tensors = {name: shard.get_tensor(name) for name in names}
        frames = tensors["frames"]
        if frames.dtype != torch.uint8 or frames.dim() != 4 or frames.shape[3] != 3 or frames.shape[1] != frames.shape[2]:
            raise ShardError(f"{path}: frames {tuple(frames.shape)} {frames.dtype} are not U8 [F, S, S, 3]")
        count = frames.shape[0]
        audio = tensors["audio_features"]
        if audio.dim() != 3 or audio.shape[0] != count:
            raise ShardError(f"{path}: audio_features {tuple(audio.shape)} are not [{count}, L, D]")
        for name in ("text.coarse", "text.fine"):
            if tensors[name].dim() != 3 or tensors[name].shape[0] != 1:
                raise ShardError(f"{path}: {name} {tuple(tensors[name].shape)} is not [1, 77, D]")
        clip = Clip(entry["key"], path, count, tensors)
        if self.keep:
            self._cache[number] = clip
        return clip


def pixels(frames: torch.Tensor) -> torch.Tensor:
    """U8 [N, S, S, 3] -> [N, 3, S, S] in [-1, 1]."""
    return frames.permute(0, 3, 1, 2).float() / 127.5 - 1


def masks_of(clip: Clip, levels: int = 4) -> list[tuple[torch.Tensor, ...]]:
    result = []
    for level in range(levels):
        names = [f"mask.{r}.{level}" for r in REGIONS]
        if not all(n in clip.tensors for n in names):
            break
        result.append(tuple(clip.tensors[n].float() for n in names))
    return result


class WindowSampler:
    """Stage 2: F frames, the M frames before them as motion frames, a reference frame anywhere in the clip, the
    audio windows of the F frames and the clip's masks. Stage 1 (frames=1, motion=0): a target frame and a
    reference frame at least `margin` frames away where the clip allows (Hallo's rule)."""

    def __init__(self, shards: ShardSet, frames: int, motion_frames: int, seed: int, margin: int = 30,
                 audio_radius: int = 2):
        shortest = min(int(e["frames"]) for e in shards.entries)
        if shortest < frames + motion_frames:
            raise ShardError(f"a clip of {shortest} frames is shorter than a window of {frames} + {motion_frames} motion frames")
        self.shards, self.frames, self.motion, self.seed = shards, frames, motion_frames, seed
        self.margin, self.radius = margin, audio_radius

    def item(self, step: int, slot: int) -> dict:
        g = generator(self.seed, step, slot)
        clip = self.shards.clip(int(torch.randint(len(self.shards), (1,), generator=g)))
        count = clip.frames
        frames = clip.tensors["frames"]
        if self.frames == 1 and self.motion == 0:
            reference = int(torch.randint(count, (1,), generator=g))
            margin = min(self.margin, count)
            if reference + margin < count:
                target = int(torch.randint(reference + margin, count, (1,), generator=g))
            elif reference - margin > 0:
                target = int(torch.randint(0, reference - margin + 1, (1,), generator=g))
            else:
                target = int(torch.randint(count, (1,), generator=g))
            indices = [target]
        else:
            start = self.motion + int(torch.randint(count - self.frames - self.motion + 1, (1,), generator=g))
            indices = list(range(start, start + self.frames))
            reference = int(torch.randint(count, (1,), generator=g))
        motion = list(range(indices[0] - self.motion, indices[0]))
        windows = audio_windows(clip.tensors["audio_features"].float(), self.radius)
        return {
            "target": pixels(frames[indices]),                       # [F, 3, S, S]
            "reference": pixels(frames[[reference] + motion]),       # [1 + M, 3, S, S]
            "audio": windows[indices],                               # [F, 2r+1, L, D]
            "text": torch.cat([clip.tensors["text.coarse"], clip.tensors["text.fine"]]).float(),  # [2, 77, D]
            "masks": masks_of(clip),
            "uniform": torch.rand(5, generator=g),  # draws for condition dropout (all, text, audio, reference) and the start-frame case
            "noise_seed": int(torch.randint(2**62, (1,), generator=g)),
        }

    def batch(self, step: int, process: int, size: int) -> dict:
        items = [self.item(step, process * size + slot) for slot in range(size)]
        levels = min(len(i["masks"]) for i in items)
        return {
            "target": torch.stack([i["target"] for i in items]),
            "reference": torch.stack([i["reference"] for i in items]),
            "audio": torch.stack([i["audio"] for i in items]),
            "text": torch.stack([i["text"] for i in items]),
            "masks": [tuple(torch.stack([i["masks"][l][r] for i in items]) for r in range(3)) for l in range(levels)],
            "uniform": torch.stack([i["uniform"] for i in items]),
            "noise_seeds": [i["noise_seed"] for i in items],
        }
