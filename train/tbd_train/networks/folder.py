"""The talking checkpoint folder (docs/renderer.md): reading its trainable networks with their exact state-dict
names (strict), and writing them back in the same layout."""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .audio_proj import AudioProjection
from .config import DenoiserConfig
from .denoiser import TalkingUNet
from .reference import ReferenceNet

WEIGHTS = "diffusion_pytorch_model.safetensors"
TRAINED = ("denoising_unet", "reference_unet", "audio_proj")
# Copied unchanged into an exported folder: the parts training does not change.
COPIED = ("vae", "text_encoder", "tokenizer", "audio_encoder", "scheduler", "model_index.json")


class CheckpointFolderError(ValueError):
    """A folder that is not a talking checkpoint folder this package can train."""


def _json(path: Path) -> dict:
    if not path.is_file():
        raise CheckpointFolderError(f"{path} is missing: not a talking checkpoint folder")
    return json.loads(path.read_text())


def _weights(directory: Path) -> dict[str, torch.Tensor]:
    path = directory / WEIGHTS
    if not path.is_file():
        raise CheckpointFolderError(f"{path} is missing")
    return load_file(str(path))


def _load_strict(module: torch.nn.Module, state: dict[str, torch.Tensor], what: str) -> None:
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        def show(names):
            return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        parts = ([f"missing {show(missing)}"] if missing else []) + ([f"unexpected {show(unexpected)}"] if unexpected else [])
        raise CheckpointFolderError(f"{what}: the weights do not fit its config ({'; '.join(parts)})")
    for name, tensor in state.items():
        if tuple(own[name].shape) != tuple(tensor.shape):
            raise CheckpointFolderError(f"{what}: {name} is {tuple(tensor.shape)}, the config makes {tuple(own[name].shape)}")
    module.load_state_dict(state, strict=True)


@dataclass
class TalkingNetworks:
    denoiser: TalkingUNet
    reference: ReferenceNet
    audio_proj: AudioProjection

    def modules(self) -> dict[str, torch.nn.Module]:
        return {"denoising_unet": self.denoiser, "reference_unet": self.reference.unet, "audio_proj": self.audio_proj}


def check_folder(folder: Path) -> dict:
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointFolderError(f"{folder} is not a folder")
    index = _json(folder / "model_index.json")
    if index.get("_class_name") != "TalkingHeadPipeline":
        raise CheckpointFolderError(f"{folder}: model_index.json names {index.get('_class_name')!r}, "
                                    "not a talking checkpoint (TalkingHeadPipeline)")
    return index


def load_networks(folder: Path) -> TalkingNetworks:
    """The denoiser, ReferenceNet and audio projection of `folder`, in float32, every weight name checked."""
    folder = Path(folder)
    check_folder(folder)
    denoiser = TalkingUNet(DenoiserConfig.load(folder / "denoising_unet" / "config.json"))
    _load_strict(denoiser, _weights(folder / "denoising_unet"), f"{folder}/denoising_unet")
    reference = ReferenceNet(_json(folder / "reference_unet" / "config.json"))
    _load_strict(reference.unet, _weights(folder / "reference_unet"), f"{folder}/reference_unet")
    audio_proj = AudioProjection.from_config(_json(folder / "audio_proj" / "config.json"))
    _load_strict(audio_proj, _weights(folder / "audio_proj"), f"{folder}/audio_proj")
    if len(reference.writer_order) != len(denoiser.reader_order()):
        raise CheckpointFolderError(f"{folder}: the ReferenceNet has {len(reference.writer_order)} transformer blocks, "
                                    f"the denoiser {len(denoiser.reader_order())}")
    return TalkingNetworks(denoiser.float(), reference.float(), audio_proj.float())


def write_folder(networks: TalkingNetworks, source: Path, out: Path, dtype: torch.dtype = torch.float32) -> None:
    """A talking checkpoint folder at `out`: the trained networks' weights (parameters in `dtype`, buffers such as
    the motion modules' position tables in float32) and configs, everything else copied from `source`. Written
    into a folder of its own beside `out` and renamed, so a folder under that name is always complete; an `out`
    that exists and is not empty is refused, and nothing this call did not make is ever deleted."""
    source, out = Path(source), Path(out)
    check_folder(source)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CheckpointFolderError(f"{out} exists and is not empty: choose a new folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        _write_into(partial, networks, source, dtype)
        if out.exists():
            out.rmdir()  # empty, checked above
        partial.rename(out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # made by this call, under a name no one else uses
        raise


def _write_into(partial: Path, networks: TalkingNetworks, source: Path, dtype: torch.dtype) -> None:
    for name in COPIED:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, partial / name)
        elif path.is_file():
            shutil.copy2(path, partial / name)
    for name, module in networks.modules().items():
        (partial / name).mkdir()
        shutil.copy2(source / name / "config.json", partial / name / "config.json")
        buffers = {n for n, _ in module.named_buffers()}
        state = {k: (v.detach().to(torch.float32) if k in buffers else v.detach().to(dtype)).contiguous().cpu()
                 for k, v in module.state_dict().items()}
        save_file(state, str(partial / name / WEIGHTS), metadata={"format": "pt"})
