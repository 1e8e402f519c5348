"""The PyTorch rendering pipeline against Hallo's window (the renderer's own fixture) and on bad input. The whole
window against `tbd render` is checked from Swift (TrainerPackageTests, with train/tests/render_window.py)."""
from __future__ import annotations

import unittest

import torch
from safetensors.torch import load_file

from helpers import MASKED, TALKING, relative_error
from tbd_train.pipeline import RenderSettings, TalkingPipeline


class PipelineTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pipeline = TalkingPipeline(MASKED, "cpu")

    def test_three_steps_of_a_window_equal_hallos(self):
        # window-expected.safetensors: Hallo's loop, its per-step text blend, ReferenceNet once with step 0's text.
        data = load_file(str(TALKING / "window-expected.safetensors"))
        networks = self.pipeline.networks
        texts = [TalkingPipeline._blend([data["coarse"], data["fine"]], data["blend"][i].tolist()) for i in range(3)]
        with torch.no_grad():
            bank = networks.reference.bank(data["reference_latents"], texts[0].expand(3, -1, -1),
                                           networks.denoiser.reader_order(), items=1)
            bank = {part: {k: v.expand(2, *v.shape[1:]) for k, v in bank[part].items()} for part in ("reference", "motion")}
            tokens = data["audio_tokens"]
            latents = self.pipeline._sample(data["noise"], texts, data["uncond"], torch.cat([torch.zeros_like(tokens), tokens]),
                                            bank, None, RenderSettings(steps=3))
        self.assertLess(relative_error(latents, data["latents"]), 1e-3)  # measured about 4e-5
        # The same loop from other noise is far off: the comparison can fail.
        with torch.no_grad():
            other = self.pipeline._sample(data["noise"].flip(-1), texts, data["uncond"],
                                          torch.cat([torch.zeros_like(tokens), tokens]), bank, None, RenderSettings(steps=3))
        self.assertGreater(relative_error(other, data["latents"]), 0.1)

    def test_two_windows_hand_on_their_last_frames(self):
        # Window 1 banks window 0's last two decoded frames: rendering 8 frames gives window 0 exactly as a 4-frame
        # render does, and a window 1 that differs from a fresh start with its seed (which banks the portrait).
        reference = torch.randint(0, 256, (16, 16, 3), generator=torch.Generator().manual_seed(1), dtype=torch.uint8)
        prompts = [torch.randn(1, 77, 8, generator=torch.Generator().manual_seed(k)) for k in (2, 3)]
        settings = RenderSettings(steps=2, window=4, motion_frames=2, seed=5)
        both = self.pipeline.render(prompts, reference, 8, settings=settings)
        first = self.pipeline.render(prompts, reference, 4, settings=settings)
        fresh = self.pipeline.render(prompts, reference, 4, settings=RenderSettings(steps=2, window=4, motion_frames=2, seed=6))
        self.assertEqual(tuple(both.frames.shape), (8, 16, 16, 3))
        self.assertTrue(torch.equal(both.frames[:4], first.frames))
        self.assertGreater(float((both.latents[1] - fresh.latents[0]).abs().max()), 1e-2)

    def test_bad_input_is_refused_by_name(self):
        reference = torch.zeros(16, 16, 3, dtype=torch.uint8)
        prompts = [torch.zeros(1, 77, 8)] * 2
        settings = RenderSettings(steps=2, window=4)
        cases = [
            (dict(prompts=prompts[:1], reference=reference, frames=4), "prompt embeddings"),
            (dict(prompts=prompts, reference=reference.float(), frames=4), "U8"),
            (dict(prompts=prompts, reference=torch.zeros(12, 12, 3, dtype=torch.uint8), frames=4), "multiple of 16"),
            (dict(prompts=prompts, reference=reference, frames=6, audio_features=torch.zeros(6, 2, 32)), "F >= 8"),
            (dict(prompts=prompts, reference=reference, frames=0), "at least one frame"),
        ]
        for arguments, words in cases:
            with self.subTest(words), self.assertRaisesRegex(ValueError, words):
                self.pipeline.render(settings=settings, **arguments)
        with self.assertRaisesRegex(ValueError, "32 positions"):
            self.pipeline.render(prompts, reference, 4, settings=RenderSettings(steps=2, window=31, motion_frames=2))


if __name__ == "__main__":
    unittest.main()
