"""The trainer's networks, loaded from the converted tiny checkpoints, against the outputs of Hallo's own modules
on the same inputs (Tests/RendererTests/Fixtures/talking/README.md), to 1e-4 relative."""
from __future__ import annotations

import unittest

import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from helpers import MASKED, SINGLE, TALKING, relative_error
from tbd_train.networks import load_networks

TOLERANCE = 1e-4


def fixture(name: str) -> dict[str, torch.Tensor]:
    return {k: v.double() for k, v in load_file(str(TALKING / name)).items()}


class NetworkParityTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # float64 throughout, as the fixtures were computed: what is left is the networks' arithmetic.
        cls.masked = load_networks(MASKED)
        cls.single = load_networks(SINGLE)
        for networks in (cls.masked, cls.single):
            for module in networks.modules().values():
                module.double().eval()

    def assertClose(self, ours, reference, what):
        self.assertEqual(tuple(ours.shape), tuple(reference.shape), what)
        error = relative_error(ours, reference)
        self.assertLessEqual(error, TOLERANCE, f"{what}: relative error {error:.2e}")

    @torch.no_grad()
    def test_motion_module(self):
        data = fixture("motion-module-expected.safetensors")
        module = self.masked.denoiser.down_blocks[1].motion_modules[0]
        self.assertClose(module(data["input"]), data["output"], "down_blocks.1.motion_modules.0")

    def _audio_block(self, networks, data, masked):
        block = networks.denoiser.down_blocks[1].audio_modules[0].transformer_blocks[0]
        self.assertEqual(block.masked, masked)
        frames = data["input"].shape[0]
        audio = data["audio"].reshape(frames, -1, data["audio"].shape[-1])
        masks = None
        if masked:  # depth 1: the 8x8 masks pooled to 4x4, the same for every frame
            masks = [F.avg_pool2d(data[f"{r}_mask"][None, None], 2).reshape(1, -1).expand(frames, -1)
                     for r in ("full", "face", "lip")]
        return block(data["input"], audio, masks, (4, 4))

    @torch.no_grad()
    def test_masked_audio_module(self):
        data = fixture("audio-module-masked-expected.safetensors")
        self.assertClose(self._audio_block(self.masked, data, True), data["output"], "masked audio block")

    @torch.no_grad()
    def test_single_audio_module(self):
        data = fixture("audio-module-single-expected.safetensors")
        self.assertClose(self._audio_block(self.single, data, False), data["output"], "single audio block")

    @torch.no_grad()
    def test_reference_bank(self):
        data = fixture("reference-bank-expected.safetensors")
        latents = data["reference_latents"]
        bank = self.masked.reference.bank(latents, data["encoder_hidden_states"].expand(latents.shape[0], -1, -1),
                                          self.masked.denoiser.reader_order(), items=1)
        self.assertEqual(len(bank["ordered"]), 10)
        for index, entry in enumerate(bank["ordered"]):
            self.assertClose(entry, data[f"bank.{index}"], f"bank.{index}")

    def _denoise(self, networks, data, masks):
        latents = data["reference_latents"]
        text = data["encoder_hidden_states"]
        bank = networks.reference.bank(latents, text.expand(latents.shape[0], -1, -1), networks.denoiser.reader_order(),
                                       items=1)
        return networks.denoiser(data["sample"], data["timesteps"], text, data["audio_tokens"], bank, masks)

    @torch.no_grad()
    def test_masked_denoiser(self):
        data = fixture("denoiser-masked-expected.safetensors")
        masks = [tuple(data[f"{r}_mask"][None] for r in ("full", "face", "lip"))]
        self.assertClose(self._denoise(self.masked, data, masks), data["out"], "masked denoiser")

    @torch.no_grad()
    def test_single_denoiser(self):
        data = fixture("denoiser-single-expected.safetensors")
        self.assertClose(self._denoise(self.single, data, None), data["out"], "single denoiser")

    @torch.no_grad()
    def test_without_reference_the_output_changes(self):
        # The bank is read: dropping it (the reference dropout of training) must change the prediction.
        data = fixture("denoiser-single-expected.safetensors")
        plain = self.single.denoiser(data["sample"], data["timesteps"], data["encoder_hidden_states"],
                                     data["audio_tokens"], None, None)
        self.assertGreater(relative_error(plain, data["out"]), 1e-2)


if __name__ == "__main__":
    unittest.main()
