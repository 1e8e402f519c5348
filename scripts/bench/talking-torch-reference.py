#!/usr/bin/env python3
"""PyTorch side of scripts/bench/65-talking.sh: one denoising step of a talking-head window with Hallo's own modules
(hallo/models, read from a git copy at run time as scripts/make-talking-fixtures.py does), on the same talking
checkpoint and thread count as `tbd model bench-talking`, Float32, in the mode Hallo's inference runs them
(training mode with gradient checkpointing, no autograd). The ReferenceNet runs as Hallo's FaceAnimatePipeline runs
it once per window: on [reference, motion frames] repeated for both guidance rows; the denoiser on
[2, 4, frames, h, w] with the reference read by the conditional row only (uc_mask). Prints JSON with the seconds of
each part and the process's peak resident memory.

    .venv-hallo/bin/python scripts/bench/talking-torch-reference.py --model DIR --hallo HALLO_DIR   # or TBD_HALLO_SRC
"""
import argparse
import atexit
import importlib.util
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, SCRIPTS)  # the shared tbdref package, which make-talking-fixtures.py imports too
from tbdref import hallo_source  # noqa: E402


def fixture_script():
    spec = importlib.util.spec_from_file_location("make_talking_fixtures", os.path.join(SCRIPTS, "make-talking-fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="a talking checkpoint folder")
    hallo_source.add_argument(parser)
    parser.add_argument("--latent", type=int, default=32)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--motion-frames", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    hallo_source.require(args.hallo)

    import torch
    from safetensors.torch import load_file
    torch.set_num_threads(args.threads)
    fixtures = fixture_script()
    workdir = tempfile.mkdtemp(prefix="hallo-bench-")
    atexit.register(shutil.rmtree, workdir, True)  # the copy of Hallo's code is this run's own
    hallo = fixtures.import_hallo(args.hallo, workdir)
    start = time.perf_counter()
    with open(os.path.join(args.model, "reference_unet", "config.json"), encoding="utf-8") as handle:
        reference_config = {k: v for k, v in json.load(handle).items() if not k.startswith("_")}
    reference = hallo.UNet2D.from_config(reference_config)
    reference.load_state_dict(load_file(os.path.join(args.model, "reference_unet", "diffusion_pytorch_model.safetensors")))
    denoiser = hallo.UNet3D.from_config({k: v for k, v in fixtures.denoiser_config(args.model).items() if not k.startswith("_")})
    denoiser.load_state_dict(load_file(os.path.join(args.model, "denoising_unet", "diffusion_pytorch_model.safetensors")))
    for model in [reference, denoiser]:
        model.to(torch.float32)
        model.requires_grad_(False)
        model.train()
        model.enable_gradient_checkpointing()
    load = time.perf_counter() - start
    parameters = sum(p.numel() for p in reference.parameters()) + sum(p.numel() for p in denoiser.parameters())

    generator = torch.Generator().manual_seed(1)
    size, frames = args.latent, args.frames
    width = reference_config["cross_attention_dim"]
    text = torch.randn(1, 77, width, generator=generator)
    window = torch.randn(1, 4, frames, size, size, generator=generator)
    reference_latents = torch.randn(1 + args.motion_frames, 4, size, size, generator=generator)
    audio = torch.randn(2, frames, 32, denoiser.config.audio_attention_dim, generator=generator)
    masks = {kind: fixtures.level_masks(torch.ones(size, size), frames, batch=2) for kind in ["full_mask", "face_mask", "lip_mask"]}
    reference_times, denoiser_times = [], []
    with torch.no_grad():
        for round in range(args.repeats + 1):
            writer = hallo.mutual.ReferenceAttentionControl(reference, do_classifier_free_guidance=True, mode="write",
                                                            batch_size=1, fusion_blocks="full")
            reader = hallo.mutual.ReferenceAttentionControl(denoiser, do_classifier_free_guidance=True, mode="read",
                                                            batch_size=1, fusion_blocks="full")
            begin = time.perf_counter()
            reference(reference_latents.repeat(2, 1, 1, 1), torch.zeros((), dtype=torch.int64),
                      encoder_hidden_states=text.repeat(2 * (1 + args.motion_frames), 1, 1), return_dict=False)
            reader.update(writer, dtype=torch.float32)
            middle = time.perf_counter()
            denoiser(torch.cat([window, window]), torch.tensor(500), encoder_hidden_states=torch.cat([text, text]),
                     audio_embedding=audio, **masks, return_dict=False)
            end = time.perf_counter()
            writer.clear()
            reader.clear()
            if round > 0:
                reference_times.append(middle - begin)
                denoiser_times.append(end - middle)
    print(json.dumps({
        "load_seconds": load, "threads": args.threads, "parameters": parameters,
        "reference_seconds": statistics.median(reference_times), "denoiser_seconds": statistics.median(denoiser_times),
        "seconds": statistics.median(r + d for r, d in zip(reference_times, denoiser_times)),
        "peak_resident_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == "__main__":
    main()
