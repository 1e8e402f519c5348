"""The training loop on the tiny checkpoint and a synthetic clip (CPU, seconds each)."""
from __future__ import annotations

import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

import torch
from safetensors.torch import load_file

from helpers import MASKED, ROOT
from shards import write_shards
from tbd_train.config import load_config
from tbd_train.data import ShardError
from tbd_train.networks import CheckpointFolderError, load_networks
from tbd_train.train import Trainer, export

TINY = ROOT / "train" / "tbd_train" / "configs" / "tiny.yaml"


def trainer(stage, data, out, steps, resume=None, **overrides):
    config = load_config(TINY)
    config.update(overrides)
    with contextlib.redirect_stdout(io.StringIO()):
        return Trainer(stage, config, data, out, MASKED, steps, resume)


def run(stage, data, out, steps, resume=None, **overrides):
    t = trainer(stage, data, out, steps, resume, **overrides)
    with contextlib.redirect_stdout(io.StringIO()):
        t.train()
    return t


class TrainingTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = Path(self.directory.name)
        self.data = write_shards(self.root / "data")

    def tearDown(self):
        self.directory.cleanup()

    def test_stage2_steps_lower_the_loss_on_one_clip(self):
        # One fixed window, no dropout: the loss at that window before and after 30 steps at lr 1e-3.
        t = trainer(2, self.data, self.root / "out", 30, dropout={"text": 0, "audio": 0, "reference": 0, "all": 0},
                    start_ratio=0)
        t.sampler.item = lambda step, slot, item=t.sampler.item: item(0, slot)
        with torch.no_grad():
            before = float(t.loss_at(0))
        with contextlib.redirect_stdout(io.StringIO()):
            t.train()
        with torch.no_grad():
            after = float(t.loss_at(0))
        self.assertLess(after, 0.5 * before, f"loss {before:.4f} -> {after:.4f}")

    def test_stage2_trains_only_motion_audio_and_projection(self):
        start = load_networks(MASKED)
        t = run(2, self.data, self.root / "out", 2)
        model = t.accelerator.unwrap_model(t.model)
        changed = {name for name, p in model.denoiser.named_parameters()
                   if not torch.equal(p, start.denoiser.state_dict()[name])}
        self.assertTrue(changed)
        self.assertTrue(all(".motion_modules." in n or ".audio_modules." in n for n in changed), sorted(changed)[:3])
        self.assertTrue(any(".motion_modules." in n for n in changed) and any(".audio_modules." in n for n in changed))
        for name, p in model.reference.unet.named_parameters():
            self.assertTrue(torch.equal(p, start.reference.unet.state_dict()[name]), name)
        self.assertFalse(torch.equal(model.audio_proj.proj1.weight, start.audio_proj.proj1.weight))

    def test_stage1_trains_reference_and_spatial_layers_only(self):
        start = load_networks(MASKED)
        t = run(1, self.data, self.root / "out", 2)
        model = t.accelerator.unwrap_model(t.model)
        changed = {name for name, p in model.denoiser.named_parameters()
                   if not torch.equal(p, start.denoiser.state_dict()[name])}
        self.assertTrue(changed)
        self.assertFalse(any(".motion_modules." in n or ".audio_modules." in n for n in changed))
        self.assertTrue(any(not torch.equal(p, start.reference.unet.state_dict()[n])
                            for n, p in model.reference.unet.named_parameters()))

    def test_resuming_equals_an_uninterrupted_run_bitwise(self):
        whole = run(2, self.data, self.root / "whole", 6, checkpointing_steps=3)
        run(2, self.data, self.root / "split", 3, checkpointing_steps=3)
        resumed = run(2, self.data, self.root / "split", 6, resume="latest", checkpointing_steps=3)
        self.assertEqual(resumed.losses, whole.losses)
        a = resumed.accelerator.unwrap_model(resumed.model).state_dict()
        b = whole.accelerator.unwrap_model(whole.model).state_dict()
        self.assertEqual(set(a), set(b))
        for name in a:
            self.assertTrue(torch.equal(a[name], b[name]), name)

    def test_export_round_trips(self):
        t = run(2, self.data, self.root / "out", 2)
        folder = export(self.root / "out" / "checkpoints" / "checkpoint-2", self.root / "exported")
        back = load_networks(folder)
        trained = t.accelerator.unwrap_model(t.model)
        for name, module in (("denoiser", back.denoiser), ("reference", back.reference), ("audio_proj", back.audio_proj)):
            ours = getattr(trained, name).state_dict()
            for key, value in module.state_dict().items():
                self.assertTrue(torch.equal(value, ours[key]), f"{name}.{key}")
        # Same names and configs as the folder it started from; untouched parts copied.
        for part in ("denoising_unet", "reference_unet", "audio_proj"):
            self.assertEqual(set(load_file(str(folder / part / "diffusion_pytorch_model.safetensors"))),
                             set(load_file(str(MASKED / part / "diffusion_pytorch_model.safetensors"))))
            self.assertEqual(json.loads((folder / part / "config.json").read_text()),
                             json.loads((MASKED / part / "config.json").read_text()))
        self.assertEqual((folder / "vae" / "diffusion_pytorch_model.safetensors").read_bytes(),
                         (MASKED / "vae" / "diffusion_pytorch_model.safetensors").read_bytes())
        # A folder that is there and holds something is someone's: refused, left as it was, nothing left beside it.
        notes = self.root / "notes"
        notes.mkdir()
        (notes / "mine.txt").write_text("keep me")
        (self.root / "notes.partial").mkdir()
        with self.assertRaisesRegex(Exception, "exists and is not empty"):
            export(self.root / "out" / "checkpoints" / "checkpoint-2", notes)
        self.assertEqual((notes / "mine.txt").read_text(), "keep me")
        self.assertEqual(sorted(p.name for p in self.root.iterdir()), ["data", "exported", "notes", "notes.partial", "out"])


class BadInputTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = Path(self.directory.name)

    def tearDown(self):
        self.directory.cleanup()

    def test_a_missing_shard_is_named(self):
        data = write_shards(self.root / "data")
        (data / "clips" / "clip0.safetensors").unlink()
        with self.assertRaisesRegex(ShardError, "clips/clip0.safetensors, which is missing"):
            trainer(2, data, self.root / "out", 1)

    def test_shards_of_another_size_are_refused(self):
        data = write_shards(self.root / "data", size=32)
        with self.assertRaisesRegex(ShardError, "32x32, the config trains 16x16"):
            trainer(2, data, self.root / "out", 1)

    def test_features_of_another_audio_encoder_are_refused(self):
        data = write_shards(self.root / "data")
        path = data / "clips" / "clip0.safetensors"
        tensors = load_file(str(path))
        tensors["audio_features"] = torch.zeros(12, 3, 32)
        from safetensors.torch import save_file
        save_file(tensors, str(path))
        with self.assertRaisesRegex(ShardError, "do not fit the audio projection"):
            trainer(2, data, self.root / "out", 1)

    def test_a_folder_of_another_architecture_is_refused(self):
        import shutil
        folder = self.root / "other"
        shutil.copytree(MASKED, folder)
        config = json.loads((folder / "denoising_unet" / "config.json").read_text())
        config["block_out_channels"] = [32, 64, 64, 32]
        (folder / "denoising_unet" / "config.json").write_text(json.dumps(config))
        with self.assertRaisesRegex(CheckpointFolderError, "do not fit its config"):
            load_networks(folder)
        (folder / "model_index.json").write_text(json.dumps({"_class_name": "StableDiffusionPipeline"}))
        with self.assertRaisesRegex(CheckpointFolderError, "not a talking checkpoint"):
            load_networks(folder)


if __name__ == "__main__":
    unittest.main()
