"""For Tests/CLITests/TrainerPackageTests.swift: the tiny masked checkpoint with its denoiser moved off the
fixture's weights (seeded noise), exported as a talking checkpoint folder, and the trainer's own forward on the
denoiser fixture's inputs, so the Swift side can run `tbd model run talking-unet` on the export and compare.

    python train/tests/export_forward.py OUT_FOLDER EXPECTED.safetensors
"""
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import MASKED, TALKING  # noqa: E402
from tbd_train.networks import load_networks  # noqa: E402
from tbd_train.networks.folder import write_folder  # noqa: E402


def main(out: Path, expected: Path) -> None:
    torch.manual_seed(5)
    networks = load_networks(MASKED)
    with torch.no_grad():
        for parameter in list(networks.denoiser.parameters()) + list(networks.reference.parameters()):
            parameter.add_(0.01 * torch.randn(parameter.shape))
    write_folder(networks, MASKED, out)
    # The reference forward in float64 on the exported (float32) weights: the comparison then measures tbd's
    # float32 error alone, not the sum of two float32 errors.
    networks.denoiser.double()
    networks.reference.double()
    data = {name: value.double() for name, value in load_file(str(TALKING / "denoiser-masked-expected.safetensors")).items()}
    latents, text = data["reference_latents"], data["encoder_hidden_states"]
    masks = [tuple(data[f"{region}_mask"][None] for region in ("full", "face", "lip"))]
    with torch.no_grad():
        bank = networks.reference.bank(latents, text.expand(latents.shape[0], -1, -1), networks.denoiser.reader_order(), items=1)
        out_tensor = networks.denoiser(data["sample"], data["timesteps"], text, data["audio_tokens"], bank, masks)
    inputs = {name: data[name] for name in ("sample", "timesteps", "encoder_hidden_states", "audio_tokens", "reference_latents",
                                              "full_mask", "face_mask", "lip_mask")}
    save_file({name: value.float().contiguous() for name, value in {**inputs, "out": out_tensor}.items()}, str(expected))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
