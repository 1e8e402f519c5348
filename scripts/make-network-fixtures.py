#!/usr/bin/env python3
"""Builds the parity fixtures for the Renderer's denoising network, autoencoder and sampling loop.

Writes tiny random-weight diffusers models (three UNet2DConditionModel layouts, one AutoencoderKL) with inputs
and expected outputs under Tests/RendererTests/Fixtures/, plus a complete 4-step progressive-guidance DDIM run
with classifier-free guidance from given initial noise, decoded by the VAE. Same pinned environment as
scripts/make-parity-fixtures.py (see docs/renderer.md):

    .venv/bin/python scripts/make-network-fixtures.py
"""
import argparse
import json
import os

import torch
from safetensors.torch import save_file
from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel

from tbdref import versions
from tbdref.fixtures import RENDERER as FIXTURES
from tbdref.tensors import float32_contiguous, perturb

PINNED = {"torch": "2.13.0+cpu", "diffusers": "0.42.1", "safetensors": "0.8.0"}

# Three layouts: cross-attention first or last, two or three levels, head counts 1 to 4, context widths 12 to
# 24, conv or linear projections, one or two transformer layers, with and without a middle block, and the
# weights stored as F32, F16 and BF16.
UNETS = {
    "unet-a": (dict(block_out_channels=(16, 32), down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), layers_per_block=1, attention_head_dim=2,
                    cross_attention_dim=24, norm_num_groups=4, sample_size=8), torch.float32, (2, 8, 8), 5),
    "unet-b": (dict(block_out_channels=(8, 16, 16), down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                    up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"), layers_per_block=2,
                    attention_head_dim=(1, 2, 4), cross_attention_dim=12, norm_num_groups=4, use_linear_projection=True,
                    flip_sin_to_cos=False, freq_shift=1, sample_size=8), torch.float16, (1, 8, 12), 3),
    "unet-c": (dict(block_out_channels=(12, 24), down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                    up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), layers_per_block=1, attention_head_dim=3,
                    cross_attention_dim=20, norm_num_groups=3, transformer_layers_per_block=2, mid_block_type=None,
                    in_channels=3, out_channels=5, sample_size=6), torch.bfloat16, (2, 6, 4), 4),
}
VAE = dict(block_out_channels=(8, 16), down_block_types=("DownEncoderBlock2D",) * 2,
           up_block_types=("UpDecoderBlock2D",) * 2, layers_per_block=1, latent_channels=4, norm_num_groups=4,
           sample_size=16, scaling_factor=0.18215)


def saved(model, folder, dtype):
    """Saves in `dtype` and returns the Float32 model with exactly the stored (rounded) weights."""
    model.to(dtype).save_pretrained(folder, safe_serialization=True)
    return model.to(torch.float32).eval()


def make_unets(tensors) -> None:
    for index, (name, (config, dtype, (batch, height, width), context_length)) in enumerate(UNETS.items()):
        torch.manual_seed(100 + index)
        model = saved(perturb(UNet2DConditionModel(**config), 200 + index), os.path.join(FIXTURES, name), dtype)
        g = torch.Generator().manual_seed(300 + index)
        sample = torch.randn(batch, model.config.in_channels, height, width, generator=g)
        context = torch.randn(batch, context_length, config["cross_attention_dim"], generator=g)
        timesteps = torch.tensor([981.0, 41.0][:batch])
        with torch.no_grad():
            out = model(sample, timesteps, encoder_hidden_states=context).sample
        tensors.update({f"{name}.sample": sample, f"{name}.timesteps": timesteps, f"{name}.context": context,
                        f"{name}.out": out})


def make_vae(tensors) -> AutoencoderKL:
    torch.manual_seed(400)
    vae = saved(perturb(AutoencoderKL(**VAE), 401), os.path.join(FIXTURES, "vae"), torch.float16)
    g = torch.Generator().manual_seed(402)
    images = torch.rand(2, 3, 16, 12, generator=g) * 2 - 1
    latents = torch.randn(1, 4, 4, 6, generator=g)
    with torch.no_grad():
        tensors.update({"vae.images": images, "vae.latent_mean": vae.encode(images).latent_dist.mean,
                        "vae.latents": latents, "vae.decoded": vae.decode(latents).sample})
    return vae


def paper_weights(step, steps, boundary, alpha_max=1.0, alpha_min=0.5):
    """Two stages, `paper` mode (docs/renderer.md, the paper's Algorithms 1-2): alpha = alpha_max - p (alpha_max -
    alpha_min) with p the position inside the stage; stage 1 is alpha coarse + (1 - alpha) fine, stage 2 is
    alpha fine + (1 - alpha) coarse."""
    if step < boundary:
        alpha = alpha_max - step / boundary * (alpha_max - alpha_min)
        return alpha, 1 - alpha
    alpha = alpha_max - (step - boundary) / (steps - boundary) * (alpha_max - alpha_min)
    return 1 - alpha, alpha


def make_sampling(vae) -> None:
    """4 DDIM steps (SD1.5's scheduler) with CFG 3.5 under a coarse-to-fine schedule split at 0.4, from noise
    (strength 1) and from a reference latent noised to strength 0.75 (3 of 4 steps), both decoded by the VAE."""
    unet = UNet2DConditionModel.from_pretrained(os.path.join(FIXTURES, "unet-a")).to(torch.float32).eval()
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                              set_alpha_to_one=False, steps_offset=1, timestep_spacing="leading")
    scheduler.save_config(os.path.join(FIXTURES, "sampling-scheduler"))
    g = torch.Generator().manual_seed(500)
    coarse, fine, uncond = (torch.randn(1, 5, 24, generator=g) for _ in range(3))
    noise = torch.randn(1, 4, 8, 8, generator=g)
    reference = torch.rand(1, 3, 16, 16, generator=g) * 2 - 1
    steps, scale, split = 4, 3.5, 0.4
    tensors = {"coarse": coarse, "fine": fine, "uncond": uncond, "noise": noise, "reference": reference}
    runs = {}
    for run, strength in (("text", 1.0), ("reference", 0.75)):
        scheduler.set_timesteps(steps)
        start = steps - min(int(steps * strength), steps)
        timesteps = scheduler.timesteps[start:]
        if strength < 1.0:
            with torch.no_grad():
                reference_latents = vae.encode(reference).latent_dist.mean * vae.config.scaling_factor
            latents = scheduler.add_noise(reference_latents, noise, timesteps[:1])
        else:
            latents = noise.clone()
        run_steps = len(timesteps)
        boundary = round(split * run_steps)
        weights = []
        for i, t in enumerate(timesteps):
            w_coarse, w_fine = paper_weights(i, run_steps, boundary)
            weights.append([w_coarse, w_fine])
            condition = coarse * w_coarse + fine * w_fine
            with torch.no_grad():
                both = unet(torch.cat([latents, latents]), t, encoder_hidden_states=torch.cat([uncond, condition])).sample
            out_uncond, out_cond = both.chunk(2)
            guided = out_uncond + scale * (out_cond - out_uncond)
            latents = scheduler.step(guided, t, latents, eta=0.0).prev_sample
            tensors[f"{run}.latents{i}"] = latents
        with torch.no_grad():
            tensors[f"{run}.image"] = vae.decode(latents / vae.config.scaling_factor).sample
        runs[run] = {"strength": strength, "timesteps": [int(t) for t in timesteps], "weights": weights}
    save_file(float32_contiguous(tensors), os.path.join(FIXTURES, "sampling.safetensors"))
    with open(os.path.join(FIXTURES, "sampling.json"), "w") as out:
        json.dump({"steps": steps, "cfg": scale, "split": split, "mode": "paper", "runs": runs}, out, indent=1)


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    versions.require(PINNED)
    tensors = {}
    make_unets(tensors)
    vae = make_vae(tensors)
    save_file(float32_contiguous(tensors), os.path.join(FIXTURES, "networks.safetensors"))
    make_sampling(vae)


if __name__ == "__main__":
    main()
