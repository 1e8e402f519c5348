"""The training-side progressive schedule against the renderer's: the timesteps and per-step weights that the
Swift renderer's fixtures record (render-sample.json and sampling.json, which the renderer's own tests check),
and the training timestep -> step rule."""
from __future__ import annotations

import json
import unittest

import torch
from diffusers import DDIMScheduler

from helpers import FIXTURES, MASKED
from tbd_train.objective import noise_scheduler, sampling_timesteps
from tbd_train.schedule import GuidanceSchedule, TrainingBlend, step_of_timestep


class ScheduleAgreementTests(unittest.TestCase):
    def test_render_sample_runs_weights_and_timesteps(self):
        spec = json.loads((FIXTURES / "render-sample.json").read_text())
        scheduler = DDIMScheduler.from_pretrained(str(FIXTURES / spec["model"] / "scheduler"))
        checked = 0
        for run in spec["runs"]:
            schedule = GuidanceSchedule(run["steps"], run["splits"], run["mode"], run["alpha_max"], run["alpha_min"])
            for step, expected in enumerate(run["weights"]):
                for ours, theirs in zip(schedule.weights(step), expected):
                    self.assertAlmostEqual(ours, theirs, places=12, msg=f"{run['name']} step {step}")
            if run["sampler"] == "ddim":
                self.assertEqual(sampling_timesteps(scheduler, run["steps"]), run["timesteps"], run["name"])
            checked += 1
        self.assertGreaterEqual(checked, 3)

    def test_sampling_fixture_weights(self):
        spec = json.loads((FIXTURES / "sampling.json").read_text())
        run = spec["runs"]["text"]
        schedule = GuidanceSchedule(spec["steps"], [spec["split"]], spec["mode"])
        self.assertEqual([schedule.weights(s) for s in range(spec["steps"])], run["weights"])

    def test_the_documented_examples(self):
        # docs/renderer.md: T = 30, s = 0.3, paper mode; k = 3 with s = 0.3, 0.6.
        schedule = GuidanceSchedule(30, [0.3])
        self.assertAlmostEqual(schedule.weights(1)[0], 17 / 18)
        self.assertEqual(schedule.weights(9), [0.0, 1.0])
        self.assertAlmostEqual(schedule.weights(29)[0], 10 / 21)
        three = GuidanceSchedule(30, [0.3, 0.6])
        for ours, theirs in zip(three.weights(17), [0, 5 / 9, 4 / 9]):
            self.assertAlmostEqual(ours, theirs)
        with self.assertRaises(ValueError):
            GuidanceSchedule(2, [0.1])  # a stage without steps

    def test_a_training_timestep_takes_the_blend_of_the_step_that_passes_its_noise_level(self):
        scheduler = noise_scheduler(MASKED)
        timesteps = sampling_timesteps(scheduler, 3)
        self.assertEqual(timesteps, [999, 666, 332])  # window-expected.safetensors' run
        blend = TrainingBlend(GuidanceSchedule(3, [0.4]), timesteps)
        self.assertEqual(step_of_timestep(timesteps, 999), 0)
        self.assertEqual(step_of_timestep(timesteps, 667), 0)
        self.assertEqual(step_of_timestep(timesteps, 666), 1)
        self.assertEqual(step_of_timestep(timesteps, 0), 2)
        expected = torch.tensor([blend.schedule.weights(s) for s in range(3)], dtype=torch.float64)
        self.assertEqual(expected[1].tolist(), [0.0, 1.0])  # B_1 = round(1.2) = 1: step 1 starts the fine stage
        self.assertTrue(torch.equal(blend.table[400], torch.tensor([0.0, 1.0], dtype=torch.float64)))
        self.assertAlmostEqual(float(blend.table[100][0]), 0.25)  # step 2: alpha 0.75 on the fine prompt
        for step, t in enumerate(timesteps):
            self.assertTrue(torch.allclose(blend.table[t], expected[step], atol=1e-6), f"step {step}")
        coarse, fine = torch.ones(1, 77, 8), torch.zeros(1, 77, 8)
        mixed = blend.condition(torch.stack([torch.cat([coarse, fine])]), torch.tensor([100]))
        self.assertAlmostEqual(float(mixed.mean()), 0.25, places=6)
        self.assertTrue(torch.equal(blend.reference_condition(torch.stack([torch.cat([coarse, fine])])), coarse))


if __name__ == "__main__":
    unittest.main()
