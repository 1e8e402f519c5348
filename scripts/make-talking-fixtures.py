#!/usr/bin/env python3
"""Writes the talking-head parity fixtures (Tests/RendererTests/Fixtures/talking) from Hallo's own model code.

Hallo (github.com/fudan-generative-vision/hallo, MIT) is not vendored: this script extracts `hallo/models/` out of a
git copy of it at run time into a temporary folder and imports it from there (scripts/tbdref/hallo_source.py).
Nothing of Hallo's is written into this repository.

    .venv-hallo/bin/python scripts/make-talking-fixtures.py --hallo HALLO_DIR    # or TBD_HALLO_SRC=HALLO_DIR
    (the environment of scripts/make-audio-fixtures.py; the committed tiny text encoder of tiny-pipeline/, the
    tiny VAE of vae/ and the tiny wav2vec2 of audio/w2v-group/ are reused as the fake tree's components)

It builds a fake, tiny `pretrained_models/` tree with random weights (hallo/net.pth and the AnimateDiff checkpoint as
torch pickles, SD1.5-style folders), converts it with scripts/convert-hallo.py into `talking-tiny-masked/` (Hallo's
three masked audio attentions everywhere) and `talking-tiny-single/` (stack_enable_blocks_name = []: one audio
cross-attention everywhere), loads those folders back into Hallo's modules and writes what they compute, in float64,
stored as float32. Hallo's modules run as its inference does: training mode with gradient checkpointing enabled, the
ReferenceNet writing and the denoiser reading through ReferenceAttentionControl(fusion_blocks="full"). README.md
beside the fixtures lists every file.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import types

from tbdref import hallo_source
from tbdref.fixtures import RENDERER as FIXTURES, ROOT, hallo_fixture_run
from tbdref.tensors import randomise, save_stable

PINNED = {"torch": "2.13.0+cpu", "transformers": "4.39.2", "diffusers": "0.27.2", "numpy": "1.26."}

OUT = os.path.join(FIXTURES, "talking")
CONVERTER = os.path.join(ROOT, "scripts", "convert-hallo.py")

# 4 levels (latent 8x8 gives the mask levels 8, 4, 2, 1; block_out_channels per variant below); the text width is
# the tiny text encoder's (8 wide).
SD_UNET = {
    "_class_name": "UNet2DConditionModel", "_diffusers_version": "0.27.2", "act_fn": "silu",
    "attention_head_dim": 8, "center_input_sample": False,
    "cross_attention_dim": 8, "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                                   "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1, "flip_sin_to_cos": True, "freq_shift": 0, "in_channels": 4, "layers_per_block": 1,
    "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 8, "out_channels": 4, "sample_size": 8,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
}
AUDIO_DIM = 32
AUDIO_PROJ = {"seq_len": 5, "blocks": 2, "channels": 32, "intermediate_dim": 24, "output_dim": AUDIO_DIM,
              "context_tokens": 4}
TEXT_LENGTH = 77
LATENT = 8
FRAMES = 4


def import_hallo(source, workdir):
    """Copies hallo/models out of the Hallo copy into WORKDIR and imports it (xformers stubbed: Hallo's
    motion_module.py imports it at module level but never calls it on CPU)."""
    hallo_source.import_into(source, ["hallo/models"], workdir, xformers_stub=True)
    import hallo.models.mutual_self_attention as mutual
    from hallo.models.audio_proj import AudioProjModel
    from hallo.models.unet_2d_condition import UNet2DConditionModel
    from hallo.models.unet_3d import UNet3DConditionModel
    return types.SimpleNamespace(UNet2D=UNet2DConditionModel, UNet3D=UNet3DConditionModel,
                                 AudioProj=AudioProjModel, mutual=mutual)


def unet_settings(stack_names):
    return {
        "use_inflated_groupnorm": True, "unet_use_cross_frame_attention": False,
        "unet_use_temporal_attention": False, "use_motion_module": True, "use_audio_module": True,
        "motion_module_resolutions": [1, 2, 4, 8], "motion_module_mid_block": True,
        "motion_module_decoder_only": False, "motion_module_type": "Vanilla",
        "motion_module_kwargs": {"num_attention_heads": 8, "num_transformer_block": 1,
                                 "attention_block_types": ["Temporal_Self", "Temporal_Self"],
                                 "temporal_position_encoding": True, "temporal_position_encoding_max_len": 32,
                                 "temporal_attention_dim_div": 1},
        "audio_attention_dim": AUDIO_DIM, "stack_enable_blocks_name": stack_names,
        "stack_enable_blocks_depth": [0, 1, 2, 3],
    }


def denoiser_config(folder):
    """Hallo's from_pretrained_2d view of a converted denoiser config: the 3D block types, the rest as written."""
    with open(os.path.join(folder, "denoising_unet", "config.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    config.update(HALLO_3D_BLOCKS, _class_name="UNet3DConditionModel")
    return config


HALLO_3D_BLOCKS = {"down_block_types": ["CrossAttnDownBlock3D"] * 3 + ["DownBlock3D"],
                   "up_block_types": ["UpBlock3D"] + ["CrossAttnUpBlock3D"] * 3,
                   "mid_block_type": "UNetMidBlock3DCrossAttn"}
# Motion modules normalise in 32 groups whatever the UNet says, so no level is narrower than 32 channels.
# talking-tiny-masked widens level 2 so that down_blocks.2 and up_blocks.1 show Hallo's narrower audio modules
# (their attention width comes from the resnet's input channels, 32, not the block's 64).
VARIANTS = [("talking-tiny-masked", ["up", "down", "mid"], [32, 32, 64, 32], 100),
            ("talking-tiny-single", [], [32, 32, 32, 32], 200)]


def fake_pretrained(hallo, root, stack_names, channels, seed):
    """A Hallo pretrained_models/ tree with random tiny weights (the UNets stored as float16, to keep the fixtures
    small; every computation reads them exactly); returns its unet.yaml and the denoiser's state dict."""
    import torch
    from omegaconf import OmegaConf
    from safetensors.torch import save_file
    sd_config = dict(SD_UNET, block_out_channels=channels)
    sd = os.path.join(root, "stable-diffusion-v1-5")
    os.makedirs(os.path.join(sd, "unet"))
    with open(os.path.join(sd, "unet", "config.json"), "w", encoding="utf-8") as handle:
        json.dump(sd_config, handle, indent=2)
    shutil.copytree(os.path.join(FIXTURES, "tiny-pipeline", "text_encoder"), os.path.join(sd, "text_encoder"))
    os.makedirs(os.path.join(sd, "tokenizer"))
    # Only the config: without vocab.json/merges.txt the renderer uses its bundled SD1.5 vocabulary.
    with open(os.path.join(sd, "tokenizer", "tokenizer_config.json"), "w", encoding="utf-8") as handle:
        json.dump({"model_max_length": TEXT_LENGTH, "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
                   "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>"}, handle, indent=2)
    shutil.copytree(os.path.join(FIXTURES, "vae"), os.path.join(root, "sd-vae-ft-mse"))
    shutil.copytree(os.path.join(FIXTURES, "audio", "w2v-group"), os.path.join(root, "wav2vec", "wav2vec2-base-960h"))

    settings = unet_settings(stack_names)
    unet_yaml = os.path.join(root, "unet.yaml")
    OmegaConf.save(OmegaConf.create({"unet_additional_kwargs": settings}), unet_yaml)

    torch.manual_seed(seed)
    reference = hallo.UNet2D.from_config({k: v for k, v in sd_config.items() if not k.startswith("_")})
    # Every parameter drawn away from zero: Hallo zero-initialises zero_conv_* and the motion modules' proj_out,
    # which would hide them from the fixtures.
    randomise(reference, seed, noise_dtype=torch.float64)
    config = dict(sd_config, **settings)
    config.update(HALLO_3D_BLOCKS)
    denoiser = hallo.UNet3D.from_config({k: v for k, v in config.items() if not k.startswith("_")})
    randomise(denoiser, seed + 1, noise_dtype=torch.float64)
    audio_proj = hallo.AudioProj(**AUDIO_PROJ)
    randomise(audio_proj, seed + 2, noise_dtype=torch.float64)
    reference_state, denoiser_state = half_parameters(reference), half_parameters(denoiser)
    net = {f"reference_unet.{k}": v for k, v in reference_state.items()}
    net.update({f"denoising_unet.{k}": v for k, v in denoiser_state.items()})
    net.update({f"audioproj.{k}": v for k, v in audio_proj.state_dict().items()})
    # Stand-ins for the parts the converter drops.
    net.update({"face_locator.conv_in.weight": torch.randn(16, 3, 3, 3), "imageproj.proj.weight": torch.randn(8, 4)})
    os.makedirs(os.path.join(root, "hallo"))
    torch.save(net, os.path.join(root, "hallo", "net.pth"))
    # The components --init-from-components reads: SD1.5's UNet (the denoiser's 2D part here) and AnimateDiff.
    save_file({k: v.contiguous() for k, v in denoiser_state.items()
               if ".motion_modules." not in k and ".audio_modules." not in k},
              os.path.join(sd, "unet", "diffusion_pytorch_model.safetensors"))
    os.makedirs(os.path.join(root, "motion_module"))
    torch.save({k: v for k, v in denoiser_state.items() if ".motion_modules." in k},
               os.path.join(root, "motion_module", "mm_sd_v15_v2.ckpt"))
    return unet_yaml, denoiser_state


def half_parameters(module):
    """The state dict with parameters as float16 and buffers (the motion modules' positional table) as float32."""
    import torch
    parameters = {name for name, _ in module.named_parameters()}
    return {name: value.to(torch.float16) if name in parameters else value
            for name, value in module.state_dict().items()}


def check_full_size_tables(hallo):
    """convert-hallo.py checks weights against its own tables of names and shapes; at SD1.5 size with Hallo's
    unet.yaml these must be exactly the state dicts of Hallo's modules (built on the meta device: no memory)."""
    import importlib.util
    import torch
    spec = importlib.util.spec_from_file_location("convert_hallo", CONVERTER)
    converter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(converter)
    sd = dict(SD_UNET, block_out_channels=[320, 640, 1280, 1280], cross_attention_dim=768, layers_per_block=2,
              norm_num_groups=32, sample_size=64)
    settings = converter.read_unet_config(None)
    config = {k: v for k, v in sd.items() if not k.startswith("_")}
    with torch.device("meta"):
        reference = hallo.UNet2D.from_config(config)
        denoiser = hallo.UNet3D.from_config(dict(config, **settings, **HALLO_3D_BLOCKS))
    unet = converter.reference_shapes(sd)
    motion, audio = converter.denoiser_module_shapes(sd, settings)
    shapes = lambda module: {k: tuple(v.shape) for k, v in module.state_dict().items()}
    assert shapes(reference) == {k: v for k, v in unet.items() if not k.startswith(converter.REFERENCE_UNUSED)}
    assert shapes(denoiser) == {**unet, **motion, **audio}
    print(f"convert-hallo.py's tables match Hallo's SD1.5-size modules ({len(shapes(denoiser))} denoiser tensors)")


def convert(pretrained, unet_yaml, out, extra=()):
    """convert-hallo.py as a user runs it (the audio projection's sizes are read off net.pth's weights)."""
    subprocess.run([sys.executable, CONVERTER, "--pretrained", pretrained, "--out", out, "--unet-config", unet_yaml,
                    *extra], check=True)


class LoadedCheckpoint:
    """A converted folder loaded back into Hallo's modules, float64, in the mode inference runs them."""

    def __init__(self, hallo, folder):
        import torch
        from safetensors.torch import load_file
        self.hallo = hallo
        with open(os.path.join(folder, "reference_unet", "config.json"), encoding="utf-8") as handle:
            reference_config = json.load(handle)
        self.reference = hallo.UNet2D.from_config({k: v for k, v in reference_config.items() if not k.startswith("_")})
        self.reference.load_state_dict(load_file(os.path.join(folder, "reference_unet",
                                                              "diffusion_pytorch_model.safetensors")), strict=True)
        self.denoiser = hallo.UNet3D.from_config({k: v for k, v in denoiser_config(folder).items()
                                                  if not k.startswith("_")})
        self.denoiser.load_state_dict(load_file(os.path.join(folder, "denoising_unet",
                                                             "diffusion_pytorch_model.safetensors")), strict=True)
        for model in [self.reference, self.denoiser]:
            model.to(torch.float64)
            model.requires_grad_(False)
            model.train()  # Hallo's inference never calls eval(); every dropout rate is zero
            model.enable_gradient_checkpointing()

    def reference_controls(self, guidance):
        mutual = self.hallo.mutual
        writer = mutual.ReferenceAttentionControl(self.reference, do_classifier_free_guidance=guidance, mode="write",
                                                  batch_size=1, fusion_blocks="full")
        reader = mutual.ReferenceAttentionControl(self.denoiser, do_classifier_free_guidance=guidance, mode="read",
                                                  batch_size=1, fusion_blocks="full")
        return writer, reader

    def writer_blocks(self):
        """The ReferenceNet's banking blocks in the order Hallo pairs them with the denoiser's."""
        mutual = self.hallo.mutual
        blocks = [m for m in mutual.torch_dfs(self.reference) if isinstance(m, mutual.BasicTransformerBlock)]
        return sorted(blocks, key=lambda block: -block.norm1.normalized_shape[0])

    def write_reference(self, writer, reader, reference_latents, text):
        import torch
        self.reference(reference_latents, torch.zeros((), dtype=torch.int64), encoder_hidden_states=text,
                       return_dict=False)
        reader.update(writer, dtype=torch.float64)


def level_masks(mask, frames, batch=1):
    """Hallo's per-level mask lists from one latent-resolution mask: avg_pool2d by 2^level, flattened, per frame."""
    import torch.nn.functional as functional
    levels = []
    for level in range(4):
        pooled = functional.avg_pool2d(mask[None, None], 2 ** level)[0, 0]
        levels.append(pooled.reshape(1, -1).repeat(batch * frames, 1))
    return levels


def save(tensors, name, metadata=None):
    """NAME in the talking fixtures, float32, with bytes that depend only on the content."""
    save_stable(tensors, os.path.join(OUT, name), metadata)


def motion_module_fixture(masked):
    import torch
    prefix = "down_blocks.1.motion_modules.0"
    module = masked.denoiser.down_blocks[1].motion_modules[0]
    channels = module.temporal_transformer.proj_in.in_features
    # 2 motion frames + 4 frames, as the module sees them at inference.
    sample = torch.randn(1, channels, 6, LATENT // 2, LATENT // 2, dtype=torch.float64)
    with torch.no_grad():
        output = module(sample, None)
    save({"input": sample, "output": output}, "motion-module-expected.safetensors", {"prefix": prefix})
    return output


def audio_module_fixture(checkpoint, name, with_masks):
    import torch
    depth = 1
    prefix = f"down_blocks.{depth}.audio_modules.0.transformer_blocks.0"
    block = checkpoint.denoiser.down_blocks[depth].audio_modules[0].transformer_blocks[0]
    channels = block.norm1.normalized_shape[0]
    side = LATENT // 2 ** depth
    tokens = torch.randn(FRAMES, side * side, channels, dtype=torch.float64)
    audio = torch.randn(1, FRAMES, AUDIO_PROJ["context_tokens"], AUDIO_DIM, dtype=torch.float64)
    tensors = {"input": tokens, "audio": audio}
    masks = {}
    if with_masks:
        for index, kind in enumerate(["full_mask", "face_mask", "lip_mask"]):
            tensors[kind] = torch.rand(LATENT, LATENT, dtype=torch.float64,
                                       generator=torch.Generator().manual_seed(index))
            masks[kind] = level_masks(tensors[kind], FRAMES)
    with torch.no_grad():
        tensors["output"] = block(tokens, encoder_hidden_states=audio[0], video_length=FRAMES, **masks)
    save(tensors, name, {"prefix": prefix, "depth": depth, "latent_height": LATENT, "latent_width": LATENT})
    return tensors["output"]


def reference_bank_fixture(masked, reference_latents, text):
    import torch
    writer, reader = masked.reference_controls(guidance=False)
    with torch.no_grad():
        masked.write_reference(writer, reader, reference_latents, text)
    banks = [block.bank[0] for block in masked.writer_blocks()]
    tensors = {"reference_latents": reference_latents, "encoder_hidden_states": text}
    tensors.update({f"bank.{index}": bank for index, bank in enumerate(banks)})
    save(tensors, "reference-bank-expected.safetensors", {"count": len(banks)})
    writer.clear()
    reader.clear()
    return banks


def denoiser_fixture(checkpoint, name, inputs, with_masks):
    import torch
    writer, reader = checkpoint.reference_controls(guidance=False)
    masks = {}
    tensors = dict(inputs)
    if with_masks:
        for index, kind in enumerate(["full_mask", "face_mask", "lip_mask"]):
            tensors[kind] = torch.rand(LATENT, LATENT, dtype=torch.float64,
                                       generator=torch.Generator().manual_seed(10 + index))
            masks[kind] = level_masks(tensors[kind], FRAMES)
    with torch.no_grad():
        checkpoint.write_reference(writer, reader, inputs["reference_latents"], inputs["encoder_hidden_states"])
        out = checkpoint.denoiser(inputs["sample"], inputs["timesteps"].to(torch.int64),
                                  encoder_hidden_states=inputs["encoder_hidden_states"],
                                  audio_embedding=inputs["audio_tokens"], **masks, return_dict=False)[0]
    writer.clear()
    reader.clear()
    tensors["out"] = out
    save(tensors, name)
    return out


def guided_step(masked, scheduler, latents, timestep, text, uncond, audio, masks, guidance):
    """One DDIM step with classifier-free guidance batched [unconditional, conditional], as Hallo's
    FaceAnimatePipeline runs it: the unconditional row has the empty audio (zero tokens)."""
    import torch
    model_input = scheduler.scale_model_input(torch.cat([latents] * 2), timestep)
    prediction = masked.denoiser(model_input, timestep, encoder_hidden_states=torch.cat([uncond, text]),
                                 audio_embedding=torch.cat([torch.zeros_like(audio), audio]), **masks,
                                 return_dict=False)[0]
    unconditional, conditional = prediction.chunk(2)
    prediction = unconditional + guidance * (conditional - unconditional)
    return scheduler.step(prediction, timestep, latents, eta=0.0, return_dict=False)[0]


def window_fixture(masked, folder, inputs):
    """Three DDIM steps of one window, classifier-free guidance batched [unconditional, conditional] as Hallo's
    FaceAnimatePipeline does; the text condition of each step blends the coarse and the fine embedding."""
    import torch
    from diffusers import DDIMScheduler
    scheduler = DDIMScheduler.from_pretrained(os.path.join(folder, "scheduler"))
    scheduler.set_timesteps(3)
    generator = torch.Generator().manual_seed(31)
    shape = (1, 4, FRAMES, LATENT, LATENT)
    noise = torch.randn(shape, generator=generator, dtype=torch.float64) * scheduler.init_noise_sigma
    coarse = torch.randn(1, TEXT_LENGTH, SD_UNET["cross_attention_dim"], generator=generator, dtype=torch.float64)
    fine = torch.randn(1, TEXT_LENGTH, SD_UNET["cross_attention_dim"], generator=generator, dtype=torch.float64)
    uncond = torch.randn(1, TEXT_LENGTH, SD_UNET["cross_attention_dim"], generator=generator, dtype=torch.float64)
    blend = torch.tensor([[1.0, 0.0], [0.6, 0.4], [0.0, 1.0]], dtype=torch.float64)
    audio = inputs["audio_tokens"]
    reference_latents = inputs["reference_latents"]
    ones = torch.ones(LATENT, LATENT, dtype=torch.float64)
    masks = {kind: level_masks(ones, FRAMES, batch=2) for kind in ["full_mask", "face_mask", "lip_mask"]}
    guidance = 3.5
    writer, reader = masked.reference_controls(guidance=True)
    latents = noise
    with torch.no_grad():
        for step, timestep in enumerate(scheduler.timesteps):
            text = blend[step, 0] * coarse + blend[step, 1] * fine
            if step == 0:
                # Hallo runs the ReferenceNet once per window, at the first step, on both guidance rows; here both
                # rows bank the same reference run (the conditional text of step 0): the unconditional row's
                # reference attention is plain self-attention anyway, and both rows take its motion-frame features.
                masked.write_reference(writer, reader, reference_latents.repeat(2, 1, 1, 1), text.repeat(6, 1, 1))
            latents = guided_step(masked, scheduler, latents, timestep, text, uncond, audio, masks, guidance)
    writer.clear()
    reader.clear()
    save({"noise": noise, "coarse": coarse, "fine": fine, "uncond": uncond, "blend": blend, "audio_tokens": audio,
          "reference_latents": reference_latents, "latents": latents}, "window-expected.safetensors",
         {"steps": 3, "guidance": guidance, "timesteps": [int(t) for t in scheduler.timesteps]})
    return latents


def two_windows_fixture(masked, folder, audio_tokens):
    """Two consecutive windows as Hallo's scripts/inference.py runs them: the first window's motion frames are the
    portrait repeated; the second takes the last MOTION frames of the first window's decoded output (decode_latents:
    (x / 2 + 0.5).clamp(0, 1), then * 2 - 1), VAE-encoded beside the portrait's latent for the ReferenceNet. The
    decoded motion frames are quantised to 8 bits (round(x * 255) / 255) as the renderer's RGB frames are; Hallo keeps
    them as floats, which differs by at most half a level. Each window starts from its own stored noise; masks are
    all ones; two DDIM steps with one text condition, batched [unconditional, conditional] as in window_fixture."""
    import torch
    from diffusers import AutoencoderKL, DDIMScheduler
    motion_count, steps, guidance = 2, 2, 3.5
    vae = AutoencoderKL.from_pretrained(os.path.join(folder, "vae")).to(torch.float64)
    vae.requires_grad_(False)
    scale = vae.config.scaling_factor
    scheduler = DDIMScheduler.from_pretrained(os.path.join(folder, "scheduler"))
    scheduler.set_timesteps(steps)
    generator = torch.Generator().manual_seed(47)
    side = LATENT * 2 ** (len(vae.config.block_out_channels) - 1)
    # An 8-bit portrait, as the renderer reads one.
    portrait = torch.randint(0, 256, (1, 3, side, side), generator=generator).to(torch.float64) / 127.5 - 1
    text = torch.randn(1, TEXT_LENGTH, SD_UNET["cross_attention_dim"], generator=generator, dtype=torch.float64)
    uncond = torch.randn(1, TEXT_LENGTH, SD_UNET["cross_attention_dim"], generator=generator, dtype=torch.float64)
    shape = (1, 4, FRAMES, LATENT, LATENT)
    noises = [torch.randn(shape, generator=generator, dtype=torch.float64) * scheduler.init_noise_sigma
              for _ in range(2)]
    audios = [audio_tokens, torch.randn(audio_tokens.shape, generator=generator, dtype=torch.float64)]
    ones = torch.ones(LATENT, LATENT, dtype=torch.float64)
    masks = {kind: level_masks(ones, FRAMES, batch=2) for kind in ["full_mask", "face_mask", "lip_mask"]}
    tensors = {"portrait": portrait, "text": text, "uncond": uncond}
    motion_frames = portrait.repeat(motion_count, 1, 1, 1)
    with torch.no_grad():
        for window in range(2):
            # FaceAnimatePipeline: vae.encode(ref_image).latent_dist.mean * scaling_factor on [portrait, motion].
            reference_latents = vae.encode(torch.cat([portrait, motion_frames])).latent_dist.mean * scale
            writer, reader = masked.reference_controls(guidance=True)
            latents = noises[window]
            audio = audios[window]
            for step, timestep in enumerate(scheduler.timesteps):
                if step == 0:
                    masked.write_reference(writer, reader, reference_latents.repeat(2, 1, 1, 1),
                                           text.repeat(2 * (1 + motion_count), 1, 1))
                latents = guided_step(masked, scheduler, latents, timestep, text, uncond, audio, masks, guidance)
            writer.clear()
            reader.clear()
            # decode_latents: frame by frame, (x / 2 + 0.5).clamp(0, 1).
            frames = torch.cat([vae.decode(latents[:, :, frame] / scale).sample for frame in range(FRAMES)])
            video = (frames / 2 + 0.5).clamp(0, 1)
            tensors.update({f"noise.{window}": noises[window], f"audio_tokens.{window}": audio,
                            f"reference_latents.{window}": reference_latents, f"latents.{window}": latents,
                            f"decoded.{window}": video * 2 - 1})
            # The next window's motion frames: the last ones, as 8-bit RGB, back in [-1, 1].
            motion_frames = torch.round(video[-motion_count:] * 255) / 127.5 - 1
            tensors[f"motion.{window + 1}"] = motion_frames
    del tensors["motion.2"]
    save(tensors, "two-windows-expected.safetensors",
         {"steps": steps, "guidance": guidance, "motion_frames": motion_count,
          "timesteps": [int(t) for t in scheduler.timesteps]})
    return tensors["latents.1"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    with hallo_fixture_run(parser, PINNED, OUT, prefix="hallo-talking-") as (args, workdir):
        import torch
        from safetensors.torch import load_file

        hallo = import_hallo(args.hallo, workdir)
        check_full_size_tables(hallo)
        os.makedirs(OUT, exist_ok=True)
        for entry in os.listdir(OUT):  # everything but the hand-written README.md is regenerated
            path = os.path.join(OUT, entry)
            if entry != "README.md":
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        folders = {}
        for name, stack_names, channels, seed in VARIANTS:
            pretrained = os.path.join(workdir, "pretrained-" + name)
            unet_yaml, original = fake_pretrained(hallo, pretrained, stack_names, channels, seed)
            folders[name] = os.path.join(OUT, name)
            convert(pretrained, unet_yaml, folders[name])
            converted = load_file(os.path.join(folders[name], "denoising_unet", "diffusion_pytorch_model.safetensors"))
            assert set(converted) == set(original) and all(torch.equal(converted[k], original[k]) for k in original)
            # The paper's initialisation runs on the same tree (not kept: it only proves that path).
            convert(pretrained, unet_yaml, os.path.join(workdir, "init-" + name), ["--init-from-components"])
        masked = LoadedCheckpoint(hallo, folders["talking-tiny-masked"])
        single = LoadedCheckpoint(hallo, folders["talking-tiny-single"])

        torch.manual_seed(0)
        generator = torch.Generator().manual_seed(5)
        inputs = {
            "sample": torch.randn(1, 4, FRAMES, LATENT, LATENT, generator=generator, dtype=torch.float64),
            "timesteps": torch.tensor([601.0], dtype=torch.float64),
            "encoder_hidden_states": torch.randn(1, TEXT_LENGTH, SD_UNET["cross_attention_dim"], generator=generator,
                                                 dtype=torch.float64),
            "audio_tokens": torch.randn(1, FRAMES, AUDIO_PROJ["context_tokens"], AUDIO_DIM, generator=generator,
                                        dtype=torch.float64),
            "reference_latents": torch.randn(3, 4, LATENT, LATENT, generator=generator, dtype=torch.float64),
        }
        results = {}
        for attempt in range(2):  # everything twice: the fixtures must not depend on the run
            torch.manual_seed(1)
            results[attempt] = [
                motion_module_fixture(masked),
                audio_module_fixture(masked, "audio-module-masked-expected.safetensors", True),
                audio_module_fixture(single, "audio-module-single-expected.safetensors", False),
                *reference_bank_fixture(masked, inputs["reference_latents"], inputs["encoder_hidden_states"]),
                denoiser_fixture(masked, "denoiser-masked-expected.safetensors", inputs, True),
                denoiser_fixture(single, "denoiser-single-expected.safetensors", inputs, False),
                window_fixture(masked, folders["talking-tiny-masked"], inputs),
                two_windows_fixture(masked, folders["talking-tiny-masked"], inputs["audio_tokens"]),
            ]
        for first, second in zip(results[0], results[1]):
            assert torch.equal(first, second), "a fixture differs between two runs"
        for value in results[0]:
            assert torch.isfinite(value).all() and value.abs().max() < 1e4, "a fixture is not of order one"


if __name__ == "__main__":
    main()
