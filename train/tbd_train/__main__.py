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
    return root


def main(argv: list[str] | None = None) -> int:
    arguments = parser().parse_args(argv)
    import torch

    from .config import load_config
    from .train import Trainer, export

    try:
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
