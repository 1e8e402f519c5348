"""The trainer overfitting one tiny clip, measured: `make bench` does not run it (it trains); run by hand.

    PYTHONPATH=train .venv-scripts/bin/python scripts/bench/train-overfit.py 300

Stage 2 of the tiny configuration (train/tbd_train/configs/tiny.yaml, the tiny masked checkpoint) on one synthetic
clip of exactly one window (4 frames + 2 motion frames), no condition dropout, 2 threads. Prints the mean loss over
16 draws of noise, timestep and reference frame that training never sees, before and after STEPS steps, the
seconds per step and the peak memory (docs/training.md records the figures).
"""
import sys, tempfile, contextlib, io, time, resource
sys.path.insert(0, "train/tests")  # the tests' synthetic shards and fixture paths
from pathlib import Path
import torch
torch.set_num_threads(2)
from shards import write_shards
from helpers import MASKED, ROOT
from tbd_train.config import load_config
from tbd_train.train import Trainer
root = Path(tempfile.mkdtemp())
data = write_shards(root / "data", frames=6)  # one clip of exactly one window (4 frames + 2 motion frames)
c = load_config(ROOT / "train/tbd_train/configs/tiny.yaml")
c["dropout"] = {"text": 0, "audio": 0, "reference": 0, "all": 0}; c["start_ratio"] = 0; c["checkpointing_steps"] = 10**6
steps = int(sys.argv[1])
with contextlib.redirect_stdout(io.StringIO()):
    t = Trainer(2, c, data, root / "out", MASKED, steps, None)
probe = range(10_000, 10_016)  # draws of noise, timestep and reference frame that training never sees
with torch.no_grad():
    before = sum(float(t.loss_at(s)) for s in probe) / len(probe)
start = time.time()
with contextlib.redirect_stdout(io.StringIO()):
    t.train()
elapsed = time.time() - start
with torch.no_grad():
    after = sum(float(t.loss_at(s)) for s in probe) / len(probe)
print(f"steps {steps}: loss {before:.4f} -> {after:.4f} ({after/before:.3f} of the start); {elapsed/steps:.3f} s/step; peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024:.0f} MiB")
