"""For Tests/CLITests/TrainerPackageTests.swift: the inputs of a one-window `tbd render` of the tiny masked checkpoint,
then the PyTorch pipeline's render of the same window, compared with the frames `tbd render` wrote.

    python train/tests/render_window.py inputs DIR
        writes DIR/portrait.png (16x16) and DIR/speech.wav (2,400 samples at 16 kHz: ceil(0.15 s x 25) = 4 frames,
        one window of 4, so neither side pads the speech)
    python train/tests/render_window.py compare DIR SHEET.png SEED
        DIR also holds coarse.safetensors, fine.safetensors (`tbd model run text-encoder`) and
        features.safetensors (`tbd model run audio-encoder`); SHEET.png is the render's contact sheet, which holds
        every frame unscaled (at most 8 frames, 256 pixels wide; 4-pixel gaps). Prints JSON: the largest
        |tbd - pipeline| over the [0, 1] frames, and the same against the pipeline's render with seed + 1.
"""
import json
import math
import sys
import wave
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import MASKED  # noqa: E402
from tbd_train.pipeline import RenderSettings, TalkingPipeline  # noqa: E402

SIZE, FRAMES, WINDOW, STEPS = 16, 4, 4, 3
GAP = 4  # ContactSheet.gap


def write_inputs(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(3)
    ramp = torch.linspace(0, 255, SIZE)
    portrait = torch.stack([ramp[None, :].expand(SIZE, SIZE), ramp[:, None].expand(SIZE, SIZE),
                            torch.randint(0, 256, (SIZE, SIZE), generator=g).float()], dim=2)
    Image.fromarray(portrait.round().to(torch.uint8).numpy()).save(folder / "portrait.png")
    t = np.arange(2400) / 16000
    samples = (0.4 * np.sin(2 * math.pi * 220 * t) * np.sin(2 * math.pi * 3 * t) * 32767).astype(np.int16)
    with wave.open(str(folder / "speech.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.tobytes())


def sheet_frames(sheet: Path) -> torch.Tensor:
    picture = torch.from_numpy(np.array(Image.open(sheet).convert("RGB")))
    return torch.stack([picture[GAP:GAP + SIZE, GAP + k * (SIZE + GAP):GAP + k * (SIZE + GAP) + SIZE]
                        for k in range(FRAMES)])  # U8 [F, S, S, 3]


def compare(folder: Path, sheet: Path, seed: int) -> dict:
    pipeline = TalkingPipeline(MASKED, "cpu")
    prompts = [load_file(str(folder / f"{name}.safetensors"))["condition"] for name in ("coarse", "fine")]
    features = load_file(str(folder / "features.safetensors"))["audio_features"]
    reference = torch.from_numpy(np.array(Image.open(folder / "portrait.png").convert("RGB")))
    ours = sheet_frames(sheet).permute(0, 3, 1, 2).double() / 255
    result = {}
    for name, offset in (("same_seed", 0), ("next_seed", 1)):
        settings = RenderSettings(steps=STEPS, window=WINDOW, motion_frames=2, seed=seed + offset)
        clip = pipeline.render(prompts, reference, FRAMES, features, settings=settings)
        result[name] = float((ours - clip.values.double()).abs().max())
        if offset == 0:
            result["levels_differing"] = int((clip.frames.permute(0, 3, 1, 2).double() / 255 != ours).sum())
            result["values"] = ours.numel()
            result["spread"] = float(clip.values.std())
    return result


if __name__ == "__main__":
    torch.set_num_threads(1)
    if sys.argv[1] == "inputs":
        write_inputs(Path(sys.argv[2]))
    else:
        print(json.dumps(compare(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]))))
