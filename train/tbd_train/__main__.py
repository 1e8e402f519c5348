"""python -m tbd_train stage1|stage2|export ... (the same under `accelerate launch -m tbd_train ...`)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DTYPES = {"float32": "float32", "float16": "float16", "bfloat16": "bfloat16"}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m tbd_train",
                                   description="Train Think-Before-Draw's talking-head model into a talking checkpoint folder.")
    commands = root.add_subparsers(dest="command", required=True)
    for stage, what in ((1, "ReferenceNet and the denoiser's spatial layers, on reference/target frame pairs"),
                        (2, "motion modules, audio modules and the audio projection, on clips with motion frames")):
        command = commands.add_parser(f"stage{stage}", help=f"train {what}")
        command.add_argument("--config", type=Path, required=True, help="YAML settings (train/tbd_train/configs/)")
        command.add_argument("--data", type=Path, required=True, help="a `tbd train prepare` output folder")
        command.add_argument("--output-dir", type=Path, required=True, help="checkpoints go to OUTPUT/checkpoints/checkpoint-N")
        command.add_argument("--model", type=Path, help="the talking checkpoint folder to start from (else the config's `model`)")
        command.add_argument("--max-train-steps", type=int, help="stop after this many optimizer steps (else the config's)")
        command.add_argument("--resume", help="`latest` or a checkpoint folder")
        command.add_argument("--export", type=Path, help="after training, write the last checkpoint as a talking checkpoint folder here")
    export = commands.add_parser("export", help="write a trainer checkpoint as a talking checkpoint folder")
    export.add_argument("--checkpoint", type=Path, required=True, help="OUTPUT/checkpoints/checkpoint-N")
    export.add_argument("--out", type=Path, required=True, help="the folder to write: new or empty")
    export.add_argument("--dtype", choices=sorted(DTYPES), default="float32", help="dtype of the written parameters")
    render = commands.add_parser("render", help="render a clip of `tbd train prepare` shards as tbd render does (on a GPU when there is one)")
    render.add_argument("--model", type=Path, required=True, help="a talking checkpoint folder")
    render.add_argument("--data", type=Path, required=True, help="a `tbd train prepare` output folder")
    render.add_argument("--clip", required=True, help="the clip's key in index.json: its first frame, prompts, speech and masks")
    render.add_argument("--out", type=Path, required=True, help="a new folder for the PNG frames (and OUT.mp4 when ffmpeg is on PATH)")
    render.add_argument("--frames", type=int, help="frames to render (default: the clip's, in whole windows)")
    render.add_argument("--steps", type=int, default=40)
    render.add_argument("--cfg", type=float, default=3.5, help="classifier-free guidance scale")
    render.add_argument("--split", type=float, default=0.4, help="fraction of the steps guided by the coarse prompt")
    render.add_argument("--seed", type=int, default=0)
    render.add_argument("--window", type=int, default=16)
    render.add_argument("--motion-frames", type=int, default=2)
    render.add_argument("--device", help="torch device (default: cuda when available, else cpu)")
    return root


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    import torch

    from .config import load_config
    from .train import Trainer, export

    try:
        if arguments.command == "render":
            from .validation import render_clip
            print(f"wrote {render_clip(arguments)}")
            return 0
        if arguments.command == "export":
            out = export(arguments.checkpoint, arguments.out, getattr(torch, DTYPES[arguments.dtype]))
            print(f"wrote {out}")
            return 0
        config = load_config(arguments.config)
        trainer = Trainer(int(arguments.command[-1]), config, arguments.data, arguments.output_dir, arguments.model,
                          arguments.max_train_steps, arguments.resume)
        trainer.train()
        if arguments.export and trainer.accelerator.is_main_process:
            from .train import latest_checkpoint
            print(f"wrote {export(latest_checkpoint(arguments.output_dir), arguments.export)}")
        return 0
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"tbd_train: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
