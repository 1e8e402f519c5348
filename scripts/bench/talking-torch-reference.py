#!/usr/bin/env python3
"""PyTorch side of scripts/bench/65-talking.sh: one denoising step of a talking-head window with Hallo's own modules
(hallo/models, read from a git copy at run time as scripts/make-talking-fixtures.py does), on the same talking
checkpoint and thread count as `tbd model bench-talking`, Float32, in the mode Hallo's inference runs them
(training mode with gradient checkpointing, no autograd). The ReferenceNet runs as Hallo's FaceAnimatePipeline runs
it once per window: on [reference, motion frames] repeated for both guidance rows; the denoiser on
[2, 4, frames, h, w] with the reference read by the conditional row only (uc_mask). Prints JSON with the seconds of
each part and the process's peak resident memory.

With --runtime openvino the same two modules run through OpenVINO (openvino_runtime.py: Float32, same threads):
the ReferenceNet run, the bank hand-over and the denoiser are converted as one graph (`WindowStep`) on the same
inputs, so only the whole window is timed. The first run converts and keeps the IR and PyTorch's output of that
conversion at --ir; every run prints the largest difference of OpenVINO's output from PyTorch's, relative to
PyTorch's largest magnitude, so the timings are of the same computation.

    .venv-hallo/bin/python scripts/bench/talking-torch-reference.py --model DIR --hallo HALLO_DIR   # or TBD_HALLO_SRC
"""
import argparse
import atexit
import contextlib
import gc
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openvino_runtime  # noqa: E402


def fixture_script():
    spec = importlib.util.spec_from_file_location("make_talking_fixtures", os.path.join(SCRIPTS, "make-talking-fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def window_step(hallo, reference, denoiser, motion_frames):
    """A window's step as one torch module OpenVINO can convert: Hallo's ReferenceNet writing its bank, the reader
    taking it, and the denoiser, as the PyTorch side in main runs them."""
    import torch

    class WindowStep(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.reference, self.denoiser = reference, denoiser
            self.writer = hallo.mutual.ReferenceAttentionControl(
                reference, do_classifier_free_guidance=True, mode="write", batch_size=1, fusion_blocks="full")
            self.reader = hallo.mutual.ReferenceAttentionControl(
                denoiser, do_classifier_free_guidance=True, mode="read", batch_size=1, fusion_blocks="full")
            self.output = None

        def forward(self, reference_latents, window, text, audio, *masks):
            self.reference(reference_latents.repeat(2, 1, 1, 1), torch.zeros((), dtype=torch.int64),
                           encoder_hidden_states=text.repeat(2 * (1 + motion_frames), 1, 1), return_dict=False)
            self.reader.update(self.writer, dtype=torch.float32)
            full, face, lip = list(masks[0:4]), list(masks[4:8]), list(masks[8:12])
            output = self.denoiser(torch.cat([window, window]), torch.tensor(500),
                                   encoder_hidden_states=torch.cat([text, text]), audio_embedding=audio,
                                   full_mask=full, face_mask=face, lip_mask=lip, return_dict=False)[0]
            self.writer.clear()
            self.reader.clear()
            self.output = output.detach().clone()  # PyTorch's result of the conversion's own run
            return output

    return WindowStep()


@contextlib.contextmanager
def checkpoint_as_plain_call():
    """Hallo calls torch.utils.checkpoint in the training mode its inference runs; without autograd it only calls
    the function, which is what the tracer must see (the checkpoint's autograd.Function does not trace)."""
    import torch.utils.checkpoint as checkpoint
    original = checkpoint.checkpoint
    checkpoint.checkpoint = lambda function, *args, **_: function(*args)
    try:
        yield
    finally:
        checkpoint.checkpoint = original


def load_models(hallo, fixtures, model):
    import torch
    from safetensors.torch import load_file
    with open(os.path.join(model, "reference_unet", "config.json"), encoding="utf-8") as handle:
        reference_config = {k: v for k, v in json.load(handle).items() if not k.startswith("_")}
    reference = hallo.UNet2D.from_config(reference_config)
    reference.load_state_dict(load_file(os.path.join(model, "reference_unet", "diffusion_pytorch_model.safetensors")))
    denoiser = hallo.UNet3D.from_config({k: v for k, v in fixtures.denoiser_config(model).items() if not k.startswith("_")})
    denoiser.load_state_dict(load_file(os.path.join(model, "denoising_unet", "diffusion_pytorch_model.safetensors")))
    for network in [reference, denoiser]:
        network.to(torch.float32)
        network.requires_grad_(False)
        network.train()
        network.enable_gradient_checkpointing()
    return reference, denoiser


def window_inputs(fixtures, model, latent, frames, motion_frames):
    """The window's inputs, the same on both runtimes: they depend only on the configs and the seed."""
    import torch
    with open(os.path.join(model, "reference_unet", "config.json"), encoding="utf-8") as handle:
        width = json.load(handle)["cross_attention_dim"]
    audio_width = fixtures.denoiser_config(model)["audio_attention_dim"]
    generator = torch.Generator().manual_seed(1)
    text = torch.randn(1, 77, width, generator=generator)
    window = torch.randn(1, 4, frames, latent, latent, generator=generator)
    reference_latents = torch.randn(1 + motion_frames, 4, latent, latent, generator=generator)
    audio = torch.randn(2, frames, 32, audio_width, generator=generator)
    masks = {kind: fixtures.level_masks(torch.ones(latent, latent), frames, batch=2)
             for kind in ["full_mask", "face_mask", "lip_mask"]}
    return text, window, reference_latents, audio, masks


def run_openvino(args, fixtures, hallo_dir, workdir):
    """The window through OpenVINO: converted once into args.ir (with PyTorch's output beside it), then compiled
    and timed; returns the benchmark's JSON fields."""
    import numpy
    import torch
    torch.set_num_threads(args.threads)
    text, window, reference_latents, audio, masks = window_inputs(fixtures, args.model, args.latent, args.frames,
                                                                   args.motion_frames)
    inputs = [reference_latents, window, text, audio] + masks["full_mask"] + masks["face_mask"] + masks["lip_mask"]
    expected_path = os.path.splitext(args.ir)[0] + "-torch-output.npy"
    start = time.perf_counter()
    parameters = None
    if not os.path.exists(args.ir):
        import openvino as ov
        hallo = fixtures.import_hallo(hallo_dir, workdir)
        reference, denoiser = load_models(hallo, fixtures, args.model)
        parameters = sum(p.numel() for p in reference.parameters()) + sum(p.numel() for p in denoiser.parameters())
        step = window_step(hallo, reference, denoiser, args.motion_frames)
        with torch.no_grad(), checkpoint_as_plain_call():
            converted = ov.convert_model(step, example_input=tuple(inputs))
        os.makedirs(os.path.dirname(os.path.abspath(args.ir)), exist_ok=True)
        # Written under other names and renamed, the .xml last: a killed conversion leaves no IR that looks whole.
        partial = os.path.splitext(args.ir)[0] + ".partial"
        ov.save_model(converted, partial + ".xml", compress_to_fp16=False)
        numpy.save(partial + "-torch-output.npy", step.output.numpy())
        os.replace(partial + "-torch-output.npy", expected_path)
        os.replace(partial + ".bin", os.path.splitext(args.ir)[0] + ".bin")
        os.replace(partial + ".xml", args.ir)
        # The converted graph shares PyTorch's weights: drop both before compiling from the IR on disk.
        del converted, step, reference, denoiser
        gc.collect()
    convert = time.perf_counter() - start
    compiled = openvino_runtime.compile_module(None, inputs, args.threads, cache=args.ir)
    arrays = [tensor.numpy() for tensor in inputs]
    seconds = openvino_runtime.median_seconds(compiled, arrays, args.repeats)
    output = compiled.create_infer_request().infer(arrays)[0]
    expected = numpy.load(expected_path)
    difference = float(numpy.abs(output - expected).max() / numpy.abs(expected).max())
    return {"load_seconds": convert, "threads": args.threads, "parameters": parameters, "runtime":
            f"OpenVINO {openvino_runtime.version()}", "seconds": seconds, "max_relative_difference": difference,
            "peak_resident_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True, help="a talking checkpoint folder")
    hallo_source.add_argument(parser)
    parser.add_argument("--latent", type=int, default=32)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--motion-frames", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--runtime", choices=["torch", "openvino"], default="torch")
    parser.add_argument("--ir", help="with --runtime openvino: the converted window's IR (.xml), made when missing")
    args = parser.parse_args()
    hallo_source.require(args.hallo)
    if args.runtime == "openvino" and not args.ir:
        parser.error("--runtime openvino needs --ir PATH.xml (where the converted window is kept between rounds)")

    import torch
    torch.set_num_threads(args.threads)
    fixtures = fixture_script()
    workdir = tempfile.mkdtemp(prefix="hallo-bench-")
    atexit.register(shutil.rmtree, workdir, True)  # the copy of Hallo's code is this run's own
    if args.runtime == "openvino":
        print(json.dumps(run_openvino(args, fixtures, args.hallo, workdir)))
        return
    hallo = fixtures.import_hallo(args.hallo, workdir)
    start = time.perf_counter()
    reference, denoiser = load_models(hallo, fixtures, args.model)
    load = time.perf_counter() - start
    parameters = sum(p.numel() for p in reference.parameters()) + sum(p.numel() for p in denoiser.parameters())
    text, window, reference_latents, audio, masks = window_inputs(fixtures, args.model, args.latent, args.frames,
                                                                   args.motion_frames)
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
