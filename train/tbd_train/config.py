"""Training configuration files (YAML): defaults here, a file overrides any of them, unknown keys are refused."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

DEFAULTS = {
    "model": None,               # the talking checkpoint folder training starts from
    "resolution": 512,           # shard frame size; must equal the shards' `size`
    "frames": 14,                # stage 2: frames per window (stage 1 always trains single frames)
    "motion_frames": 2,          # stage 2: preceding frames fed to the motion modules through the ReferenceNet
    "reference_margin": 30,      # stage 1: reference and target at least this many frames apart, where possible
    "batch_size": 2,             # per process
    "seed": 42,
    "max_train_steps": 30000,
    "learning_rate": 1.0e-5,     # constant
    "adam_beta1": 0.9,
    "adam_beta2": 0.999,
    "adam_weight_decay": 0.01,
    "adam_epsilon": 1.0e-8,
    "use_8bit_adam": False,      # bitsandbytes' AdamW8bit (CUDA)
    "max_grad_norm": 1.0,
    "gradient_accumulation_steps": 1,
    "mixed_precision": "no",     # no | fp16 | bf16
    "gradient_checkpointing": False,
    "checkpointing_steps": 500,
    "checkpoints_total_limit": None,
    "export_checkpoints": False, # also write each checkpoint as a talking checkpoint folder
    "noise_offset": 0.05,
    "snr_gamma": 5.0,            # min-SNR weighting; 0 turns it off
    "beta_schedule": "checkpoint",  # checkpoint: the folder's scheduler (what the renderer samples with); or scaled_linear (Hallo's training)
    "dropout": {"text": 0.05, "audio": 0.05, "reference": 0.05, "all": 0.05},
    "start_ratio": 0.05,         # stage 2: motion frames replaced by the reference frame, as at a clip's first window
    "guidance": {"steps": 40, "splits": [0.4], "mode": "paper", "alpha_max": 1.0, "alpha_min": 0.5},
    "log_every": 10,
    "report_to": None,           # tensorboard (needs the tensorboard package: pip install './train[tensorboard]')
    "validation_steps": None,    # every N steps, render a window of the validation clip with the current weights
    # The validation render (tbd render's settings): the first `frames` frames of the first held-out clip (else
    # the first training clip), its first frame as the portrait, in windows of `window` with `motion_frames`.
    "validation": {"frames": 16, "window": 16, "steps": 20, "guidance_scale": 3.5, "seed": 0},
}


def load_config(path: Path | None) -> dict:
    config = copy.deepcopy(DEFAULTS)
    if path is None:
        return config
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such config file")
    given = yaml.safe_load(path.read_text()) or {}
    if not isinstance(given, dict):
        raise ValueError(f"{path}: a config is a mapping of settings")
    unknown = sorted(set(given) - set(DEFAULTS))
    if unknown:
        raise ValueError(f"{path}: unknown settings {', '.join(unknown)}")
    for key, value in given.items():
        if isinstance(DEFAULTS[key], dict):
            extra = sorted(set(value) - set(DEFAULTS[key]))
            if extra:
                raise ValueError(f"{path}: unknown {key} settings {', '.join(extra)}")
            config[key].update(value)
        else:
            config[key] = value
    if config["mixed_precision"] not in ("no", "fp16", "bf16"):
        raise ValueError(f"{path}: mixed_precision {config['mixed_precision']!r} (no, fp16 or bf16)")
    if config["beta_schedule"] not in ("checkpoint", "scaled_linear"):
        raise ValueError(f"{path}: beta_schedule {config['beta_schedule']!r} (checkpoint or scaled_linear)")
    validation = config["validation_steps"]
    if validation is not None and (not isinstance(validation, int) or validation < 1):
        raise ValueError(f"{path}: validation_steps {validation!r} (a positive number of steps, or null)")
    return config
