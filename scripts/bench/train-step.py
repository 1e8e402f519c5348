"""Seconds per training step and peak memory of the trainer (train/), at the tiny size and at SD1.5's, on the CPU.
`make bench` does not run it (it trains); run it by hand, one configuration per process (the peak is the process's),
the SD1.5 size last and alone, with nice:

    PYTHONPATH=train .venv-scripts/bin/python scripts/bench/train-step.py tiny 1|2 [--steps N]
    PYTHONPATH=train nice -n 5 .venv-scripts/bin/python scripts/bench/train-step.py sd15 1|2 [--steps N] [--optimizer sgd] [--frames F]

tiny: train/tbd_train/configs/tiny.yaml (the tiny masked checkpoint, 16x16 frames, 4 frames + 2 motion frames),
batch 1, gradient checkpointing, AdamW. sd15: the paper's stage config (train/tbd_train/configs/paper-stage*.yaml)
at 256x256 with batch 1, float32, gradient checkpointing, no checkpoints written; the networks have SD1.5's size
with Hallo's motion and audio modules (the configs convert-hallo.py writes) and torch's default initialisation, built
in memory: a step's time and memory do not depend on the weights' values, and no 10 GB folder is written or read.
Synthetic shards of 18 frames (14 + 2 motion frames + 2). `--optimizer sgd` (plain SGD, no state) replaces AdamW
where AdamW's state does not fit: the script prints the state AdamW would add. `--frames` shortens stage 2's window
where 14 frames take too long.

Prints the CPU, the load before and after, the first step (warm-up) and the mean of the others in wall-clock and
in the process's CPU seconds (the steadier figure on a shared machine), and the peak RSS. On a loaded machine run
with OMP_NUM_THREADS=1: two OpenMP threads that have to wait for the cores spin at every barrier (the tiny stage 2
measured 11.7 s/step with 2 threads against 0.72 s/step with 1 at load 9-10 on 2 cores).
"""
import argparse
import contextlib
import importlib.util
import io
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "train" / "tests"))  # the tests' synthetic shards
sys.path.insert(0, str(ROOT / "scripts"))          # tbdref, which convert-hallo.py imports

import torch  # noqa: E402

import tbd_train.train as training  # noqa: E402
from shards import write_shards  # noqa: E402
from tbd_train.config import load_config  # noqa: E402
from tbd_train.networks import AudioProjection, DenoiserConfig, ReferenceNet, TalkingNetworks, TalkingUNet  # noqa: E402

# SD1.5's UNet config (runwayml/stable-diffusion-v1-5 unet/config.json) and VAE config (sd-vae-ft-mse).
SD15_UNET = {"_class_name": "UNet2DConditionModel", "act_fn": "silu", "attention_head_dim": 8,
             "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": False, "cross_attention_dim": 768,
             "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"], "downsample_padding": 1,
             "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 4, "layers_per_block": 2, "mid_block_scale_factor": 1,
             "norm_eps": 1e-5, "norm_num_groups": 32, "out_channels": 4, "sample_size": 64,
             "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3}
SD15_VAE = {"in_channels": 3, "out_channels": 3, "latent_channels": 4, "layers_per_block": 2, "act_fn": "silu",
            "block_out_channels": [128, 256, 512, 512], "down_block_types": ["DownEncoderBlock2D"] * 4,
            "up_block_types": ["UpDecoderBlock2D"] * 4, "norm_num_groups": 32, "sample_size": 512, "scaling_factor": 0.18215}


def converter():
    spec = importlib.util.spec_from_file_location("convert_hallo", ROOT / "scripts" / "convert-hallo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sd15_networks() -> TalkingNetworks:
    hallo = converter()
    denoiser = TalkingUNet(DenoiserConfig.from_dict({**SD15_UNET, **hallo.HALLO_UNET_DEFAULTS}))
    return TalkingNetworks(denoiser, ReferenceNet(SD15_UNET), AudioProjection.from_config(hallo.HALLO_AUDIO_PROJ))


class RandomVAE:
    """Stands in for AutoencoderKL.from_pretrained: SD1.5's VAE architecture, built in memory."""

    @staticmethod
    def from_pretrained(path, torch_dtype=None):
        from diffusers import AutoencoderKL
        return AutoencoderKL(**SD15_VAE)


def sd15_setup(stage: int, work: Path) -> tuple[dict, Path, Path]:
    folder = work / "model"
    (folder / "scheduler").mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": "TalkingHeadPipeline"}))
    (folder / "scheduler" / "scheduler_config.json").write_text(json.dumps(converter().HALLO_SCHEDULER))
    networks = sd15_networks()
    training.load_networks = lambda _: networks
    training.AutoencoderKL = RandomVAE
    training.empty_prompt_embedding = lambda _: torch.zeros(1, 77, 768)
    data = write_shards(work / "data", frames=18, size=256, text_width=768, audio=(12, 768), vae_scale=8)
    config = load_config(ROOT / "train" / "tbd_train" / "configs" / f"paper-stage{stage}.yaml")
    return config, data, folder


def tiny_setup(work: Path) -> tuple[dict, Path, Path]:
    config = load_config(ROOT / "train" / "tbd_train" / "configs" / "tiny.yaml")
    return config, write_shards(work / "data"), ROOT / "Tests" / "RendererTests" / "Fixtures" / "talking" / "talking-tiny-masked"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("size", choices=["tiny", "sd15"])
    parser.add_argument("stage", type=int, choices=[1, 2])
    parser.add_argument("--steps", type=int, default=3, help="measured steps after the warm-up step (0: the first step only)")
    parser.add_argument("--optimizer", choices=["adamw", "sgd"], default="adamw")
    parser.add_argument("--frames", type=int, help="stage 2: frames per window (default: the config's)")
    arguments = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"cpu: {cpu}, {torch.get_num_threads()} threads; load before: {open('/proc/loadavg').read().split()[:3]}")
    if arguments.size == "sd15":
        # About 10 GiB of weights, the gradients of the trained ones, and the activations: refuse rather than push a
        # shared machine into its OOM killer.
        need = {1: 20, 2: 16}[arguments.stage] + (0 if arguments.optimizer == "sgd" else {1: 13, 2: 6}[arguments.stage])
        available = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemAvailable")) / 1024**2
        if available < need:
            sys.exit(f"sd15 stage {arguments.stage} with {arguments.optimizer} needs about {need} GiB; {available:.1f} GiB are available")
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        config, data, folder = sd15_setup(arguments.stage, work) if arguments.size == "sd15" else tiny_setup(work)
        config.update(batch_size=1, resolution=256 if arguments.size == "sd15" else config["resolution"],
                      gradient_checkpointing=True, mixed_precision="no", use_8bit_adam=False, report_to=None,
                      validation_steps=None, export_checkpoints=False, log_every=10**9)
        if arguments.frames:
            config["frames"] = arguments.frames
        if arguments.optimizer == "sgd":
            training.Trainer.make_optimizer = lambda self, parameters: torch.optim.SGD(parameters, lr=self.config["learning_rate"])
        training.Trainer.save = lambda self: None  # a step's cost, not a checkpoint's
        built = time.time()
        with contextlib.redirect_stdout(io.StringIO()):
            trainer = training.Trainer(arguments.stage, config, data, work / "out", folder, 1 + arguments.steps)
        starts, cpu_starts = [], []
        loss_at = trainer.loss_at
        trainer.loss_at = lambda step: (starts.append(time.time()), cpu_starts.append(time.process_time()), loss_at(step))[2]
        with contextlib.redirect_stdout(io.StringIO()):
            trainer.train()
        starts.append(time.time())
        cpu_starts.append(time.process_time())
    durations = [b - a for a, b in zip(starts, starts[1:])]
    cpu = [b - a for a, b in zip(cpu_starts, cpu_starts[1:])]
    trained = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in trainer.model.parameters()) + sum(p.numel() for p in trainer.vae.parameters())
    frames = ("1 frame and its reference" if arguments.stage == 1
              else f"{config['frames']} frames + {config['motion_frames']} motion frames and the reference")
    print(f"{arguments.size} stage {arguments.stage}: {config['resolution']}x{config['resolution']}, batch 1, {frames}, gradient checkpointing, "
          f"{arguments.optimizer}; {total / 1e6:.0f} M parameters, {trained / 1e6:.0f} M trained; built in {starts[0] - built:.1f} s")
    rest = len(durations) - 1
    print(f"first step {durations[0]:.2f} s ({cpu[0]:.2f} CPU s)"
          + (f"; next {rest}: {sum(durations[1:]) / rest:.2f} s/step ({sum(cpu[1:]) / rest:.2f} CPU s/step; "
             f"{', '.join(f'{d:.2f}' for d in durations[1:])})" if rest else "")
          + f"; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.2f} GiB")
    if arguments.optimizer == "sgd":
        print(f"AdamW would add {2 * trained * 4 / 1024**3:.2f} GiB of state (two float32 moments per trained parameter)")
    print(f"load after: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
