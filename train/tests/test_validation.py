"""Validation renders during training, and the optional packages (TensorBoard, bitsandbytes) failing clearly."""
from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
import unittest
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file

from helpers import MASKED
from shards import write_shards
from tbd_train.__main__ import main
from tbd_train.config import load_config
from tbd_train.pipeline import RenderSettings, TalkingPipeline
from tbd_train.train import export, latest_checkpoint
from test_training import TINY, run, trainer


def frames_in(folder: Path) -> torch.Tensor:
    return torch.stack([torch.from_numpy(np.array(Image.open(p))) for p in sorted(folder.glob("frame-*.png"))])


class ValidationTests(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.TemporaryDirectory()
        self.root = Path(self.directory.name)
        self.data = write_shards(self.root / "data")

    def tearDown(self):
        self.directory.cleanup()

    def test_validation_renders_the_current_weights(self):
        out = self.root / "out"
        run(2, self.data, out, 2, validation_steps=1)
        folder = out / "validation"
        first, second = frames_in(folder / "step-1"), frames_in(folder / "step-2")
        self.assertEqual(tuple(second.shape), (4, 16, 16, 3))
        self.assertEqual(tuple(frames_in(folder / "target").shape), (4, 16, 16, 3))
        self.assertEqual((folder / "step-2.mp4").is_file(), shutil.which("ffmpeg") is not None)
        note = (folder / "step-2" / "score.txt").read_text()
        self.assertIn(f"tbd eval video {folder / 'step-2'} --reference {folder / 'target'}", note)
        # Step 2's frames are what the pipeline renders from the folder exported at step 2, and not step 1's.
        exported = export(latest_checkpoint(out), self.root / "exported")
        # The validation clip is the shards' first (only) clip.
        tensors = load_file(str(self.data / "clips" / "clip0.safetensors"))
        masks = [tuple(tensors[f"mask.{r}.{level}"] for r in ("full", "face", "lip")) for level in range(4)]
        v = load_config(TINY)["validation"]
        again = TalkingPipeline(exported, "cpu").render(
            [tensors["text.coarse"], tensors["text.fine"]], tensors["frames"][0], 4, tensors["audio_features"], masks,
            RenderSettings(steps=v["steps"], window=v["window"], seed=v["seed"]))
        self.assertLessEqual(int((again.frames.int() - second.int()).abs().max()), 1)
        self.assertGreater(int((first.int() - second.int()).abs().max()), 1)

    def test_validation_leaves_training_unchanged(self):
        plain = run(2, self.data, self.root / "plain", 3, validation_steps=None)
        validated = run(2, self.data, self.root / "validated", 3, validation_steps=1)
        self.assertEqual(plain.losses, validated.losses)
        self.assertTrue((self.root / "validated" / "validation" / "step-3").is_dir())
        self.assertFalse((self.root / "plain" / "validation").exists())

    def test_a_clip_shorter_than_a_validation_window_is_refused(self):
        with self.assertRaisesRegex(ValueError, "fewer than one validation window of 16"):
            trainer(2, self.data, self.root / "out", 1, validation_steps=1,
                    validation={"frames": 16, "window": 16, "steps": 3, "guidance_scale": 3.5, "seed": 0})

    def test_a_bad_validation_interval_is_refused(self):
        config = self.root / "bad.yaml"
        config.write_text("validation_steps: 0\n")
        with self.assertRaisesRegex(ValueError, "validation_steps 0"):
            load_config(config)

    def test_the_render_command_renders_a_clip_of_the_shards(self):
        arguments = ["render", "--model", str(MASKED), "--data", str(self.data), "--clip", "clip0", "--out",
                     str(self.root / "rendered"), "--frames", "6", "--steps", "3", "--window", "4", "--seed", "2",
                     "--device", "cpu"]
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(main(arguments), 0)
        rendered = frames_in(self.root / "rendered")
        # Whole windows only (the shard's speech covers its own frames): 6 frames in windows of 4 render 4.
        self.assertEqual(tuple(rendered.shape), (4, 16, 16, 3))
        tensors = load_file(str(self.data / "clips" / "clip0.safetensors"))
        masks = [tuple(tensors[f"mask.{r}.{level}"] for r in ("full", "face", "lip")) for level in range(4)]
        expected = TalkingPipeline(MASKED, "cpu").render(
            [tensors["text.coarse"], tensors["text.fine"]], tensors["frames"][0], 4, tensors["audio_features"], masks,
            RenderSettings(steps=3, window=4, seed=2))
        self.assertTrue(torch.equal(rendered, expected.frames))
        other = ["--clip", "nope", "--out", str(self.root / "other")]
        for wrong, words in ((arguments[:5] + other + arguments[9:], "no clip 'nope'"), (arguments, "exists and is not empty")):
            with contextlib.redirect_stderr(io.StringIO()) as errors:
                self.assertEqual(main(wrong), 1)
            self.assertIn(words, errors.getvalue())

    @unittest.skipIf(find_spec("tensorboard") or find_spec("tensorboardX"), "tensorboard is installed")
    def test_tensorboard_without_the_package_fails_clearly(self):
        with self.assertRaisesRegex(RuntimeError, r"needs the tensorboard package.*pip install './train\[tensorboard\]'"):
            trainer(2, self.data, self.root / "out", 1, report_to="tensorboard")

    @unittest.skipIf(find_spec("bitsandbytes"), "bitsandbytes is installed")
    def test_8bit_adam_without_bitsandbytes_fails_clearly(self):
        with self.assertRaisesRegex(RuntimeError, r"use_8bit_adam needs bitsandbytes \(pip install './train\[bnb\]'"):
            trainer(2, self.data, self.root / "out", 1, use_8bit_adam=True)


if __name__ == "__main__":
    unittest.main()
