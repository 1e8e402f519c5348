"""Two processes on the CPU (torch's launcher, `python -m torch.distributed.run --nproc_per_node 2` with
ACCELERATE_USE_CPU=1, which `accelerate launch --cpu` also sets: accelerate then runs MULTI_CPU over gloo) train what one process with the doubled batch trains: the same items (each drawn from
its global index), gradients averaged across processes. (`accelerate launch --num_processes 2 --cpu` without a
config saying MULTI_CPU starts one process only.) Slow for a unit test (two interpreters start); `make test`
runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import torch
from safetensors.torch import load_file

from helpers import MASKED, ROOT
from shards import write_shards

TINY = ROOT / "train" / "tbd_train" / "configs" / "tiny.yaml"


class DistributedTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = Path(self.directory.name)
        self.data = write_shards(self.root / "data", clips=2)

    def tearDown(self):
        self.directory.cleanup()

    def losses(self, name: str) -> list[float]:
        return json.loads(max((self.root / name / "checkpoints").glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
                          .joinpath("trainer.json").read_text())["losses"]

    def train(self, name: str, processes: int, batch: int) -> dict[str, torch.Tensor]:
        config = self.root / f"{name}.yaml"
        # Adam's first steps move each weight by about the learning rate whatever its gradient's size, so a gradient
        # near zero that the two runs round differently moves its weight either way; a large epsilon makes each step
        # proportional to its gradient, and equal gradients then give equal weights to rounding.
        config.write_text(TINY.read_text() + f"\nbatch_size: {batch}\nadam_epsilon: 1.0\n"
                          "dropout: {text: 0, audio: 0, reference: 0, all: 0}\n")
        out, exported = self.root / name, self.root / f"{name}-talking"
        launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes), "--master_port",
                    str(29500 + os.getpid() % 1000)] if processes > 1 else [sys.executable]
        command = launcher + ["-m", "tbd_train", "stage2", "--config", str(config), "--data", str(self.data), "--model", str(MASKED),
                              "--output-dir", str(out), "--max-train-steps", "3", "--export", str(exported)]
        environment = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT / "train"), "ACCELERATE_USE_CPU": "1"}
        result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600)
        self.assertEqual(result.returncode, 0, result.stderr[-3000:])
        return load_file(str(exported / "denoising_unet" / "diffusion_pytorch_model.safetensors"))

    def test_two_processes_equal_one_with_the_doubled_batch(self):
        two = self.train("two", processes=2, batch=1)
        one = self.train("one", processes=1, batch=2)
        self.assertEqual(len(self.losses("two")), 3)
        for a, b in zip(self.losses("two"), self.losses("one")):
            self.assertAlmostEqual(a, b, delta=1e-5 * abs(b), msg="the gathered loss of two processes is one process's")
        start = load_file(str(MASKED / "denoising_unet" / "diffusion_pytorch_model.safetensors"))
        moved = 0
        for key, value in one.items():
            scale = max(float(value.abs().max()), 1e-6)
            self.assertLessEqual(float((two[key] - value).abs().max()) / scale, 1e-5, key)
            moved += int(not torch.equal(value, start[key].to(value.dtype)))
        self.assertGreater(moved, 0, "three steps changed the trained modules")


if __name__ == "__main__":
    unittest.main()
