#!/usr/bin/env python3
"""PyTorch side of scripts/bench/65-talking.sh: one denoising step of a talking-head window with Hallo's own modules
(hallo/models, read from a git copy at run time as scripts/make-talking-fixtures.py does), on the same talking
checkpoint and thread count as `tbd model bench-talking`, Float32, in the mode Hallo's inference runs them
(training mode with gradient checkpointing, no autograd). The ReferenceNet runs as Hallo's FaceAnimatePipeline runs
it once per window: on [reference, motion frames] repeated for both guidance rows; the denoiser on
[2, 4, frames, h, w] with the reference read by the conditional row only (uc_mask). Prints JSON with the seconds of
each part and the process's peak resident memory.

With --runtime openvino the same two modules run through OpenVINO (openvino_runtime.py: Float32, same threads) as
two graphs, the ReferenceNet's (its outputs the reference bank) and the denoiser's (the bank among its inputs), run
one after the other and timed together as the window. The first run converts them into the folder --ir (in a
process of its own, --convert-only, so the timed process starts without PyTorch's heap), beside
PyTorch's output of Hallo's own step on the same inputs; every run prints the largest difference of OpenVINO's
output from it, relative to PyTorch's largest magnitude, so the timings are of the same computation.

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
import subprocess
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


def bank_control(hallo, network, mode):
    """Hallo's ReferenceAttentionControl as its pipeline sets it up: `write` on the ReferenceNet, `read` on the
    denoiser, guidance on, every transformer block fused."""
    return hallo.mutual.ReferenceAttentionControl(network, do_classifier_free_guidance=True, mode=mode, batch_size=1,
                                                  fusion_blocks="full")


def window_step(hallo, reference, denoiser, inputs, motion_frames):
    """One window's step as Hallo's FaceAnimatePipeline runs it: the ReferenceNet writes its bank, the reader takes
    it, the denoiser runs. `inputs` is `window_inputs`' tuple; returns the output and the seconds of each part."""
    import torch
    text, window, reference_latents, audio, masks = inputs
    writer, reader = bank_control(hallo, reference, "write"), bank_control(hallo, denoiser, "read")
    begin = time.perf_counter()
    reference(reference_latents.repeat(2, 1, 1, 1), torch.zeros((), dtype=torch.int64),
              encoder_hidden_states=text.repeat(2 * (1 + motion_frames), 1, 1), return_dict=False)
    reader.update(writer, dtype=torch.float32)
    middle = time.perf_counter()
    output = denoiser(torch.cat([window, window]), torch.tensor(500), encoder_hidden_states=torch.cat([text, text]),
                      audio_embedding=audio, **masks, return_dict=False)[0]
    end = time.perf_counter()
    writer.clear()
    reader.clear()
    return output, middle - begin, end - middle


def bank_blocks(hallo, network, block_type):
    """The transformer blocks that write (ReferenceNet) or read (denoiser) the reference bank, in the order
    ReferenceAttentionControl.update pairs them: widest first, network order among equals."""
    blocks = [module for module in hallo.mutual.torch_dfs(network) if isinstance(module, block_type)]
    return sorted(blocks, key=lambda block: -block.norm1.normalized_shape[0])


def kept_in_training_mode():
    """A torch module base class that stays in training mode. Hallo's inference runs its networks in training mode
    (FaceAnimatePipeline never calls eval()), where the video UNet's blocks take gradient checkpointing's path,
    which hands the motion frames on differently; OpenVINO's converter calls eval() before it traces, which would
    convert the other path (its output differs by 0.42 of the largest magnitude on the tiny checkpoint)."""
    import torch

    class KeptInTrainingMode(torch.nn.Module):
        def train(self, mode=True):
            return super().train(True)

    return KeptInTrainingMode


def reference_part(hallo, reference, motion_frames):
    """The ReferenceNet's run as one torch module for OpenVINO: its outputs are the bank, one tensor per block."""
    import torch

    class ReferencePart(kept_in_training_mode()):
        def __init__(self):
            super().__init__()
            self.reference = reference
            self.writer = bank_control(hallo, reference, "write")
            self.blocks = bank_blocks(hallo, reference, hallo.mutual.BasicTransformerBlock)
            self.bank = None

        def forward(self, reference_latents, text):
            self.reference(reference_latents.repeat(2, 1, 1, 1), torch.zeros((), dtype=torch.int64),
                           encoder_hidden_states=text.repeat(2 * (1 + motion_frames), 1, 1), return_dict=False)
            bank = tuple(block.bank[0] for block in self.blocks)
            self.writer.clear()
            self.bank = [tensor.detach().clone() for tensor in bank]  # PyTorch's bank, the denoiser's example input
            return bank

    return ReferencePart()


def denoiser_part(hallo, denoiser, blocks):
    """The denoiser as one torch module for OpenVINO, the bank's `blocks` tensors among its inputs (after the window,
    text and audio, before the 12 masks)."""
    import torch

    class DenoiserPart(kept_in_training_mode()):
        def __init__(self):
            super().__init__()
            self.denoiser = denoiser
            self.reader = bank_control(hallo, denoiser, "read")
            self.blocks = bank_blocks(hallo, denoiser, hallo.mutual.TemporalBasicTransformerBlock)
            assert len(self.blocks) == blocks, f"{len(self.blocks)} reading blocks for a bank of {blocks}"

        def forward(self, window, text, audio, *rest):
            for block, tensor in zip(self.blocks, rest[:blocks]):
                block.bank = [tensor]
            masks = rest[blocks:]
            output = self.denoiser(torch.cat([window, window]), torch.tensor(500),
                                   encoder_hidden_states=torch.cat([text, text]), audio_embedding=audio,
                                   full_mask=list(masks[0:4]), face_mask=list(masks[4:8]), lip_mask=list(masks[8:12]),
                                   return_dict=False)[0]
            self.reader.clear()
            return output

    return DenoiserPart()


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


def load_models(hallo, fixtures, model, networks=("reference", "denoiser")):
    """Hallo's ReferenceNet and denoiser on the checkpoint's weights, Float32, in the mode its inference runs them;
    only those `networks` names (the other is None), so a conversion can hold one at a time."""
    import torch
    from safetensors.torch import load_file
    reference = denoiser = None
    if "reference" in networks:
        with open(os.path.join(model, "reference_unet", "config.json"), encoding="utf-8") as handle:
            reference_config = {k: v for k, v in json.load(handle).items() if not k.startswith("_")}
        reference = hallo.UNet2D.from_config(reference_config)
        reference.load_state_dict(load_file(os.path.join(model, "reference_unet", "diffusion_pytorch_model.safetensors")))
    if "denoiser" in networks:
        denoiser = hallo.UNet3D.from_config({k: v for k, v in fixtures.denoiser_config(model).items() if not k.startswith("_")})
        denoiser.load_state_dict(load_file(os.path.join(model, "denoising_unet", "diffusion_pytorch_model.safetensors")))
    for network in [reference, denoiser]:
        if network is None:
            continue
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


def convert_window(args, fixtures, hallo_dir, workdir, inputs, folder):
    """Converts the window into `folder`: reference.xml (the ReferenceNet, its outputs the bank) and denoiser.xml (the
    bank among its inputs), with torch-output.npy, the window's output as Hallo's own step gives it in PyTorch. One
    network is in memory while it converts: one graph of both needed more than 23 GiB at SD1.5's sizes. Written
    in a sibling folder and renamed whole, so a killed conversion leaves nothing that looks finished. Returns the
    two networks' parameter count."""
    import numpy
    import openvino as ov
    import torch
    text, window, reference_latents, audio, masks = inputs
    hallo = fixtures.import_hallo(hallo_dir, workdir)
    partial = folder + ".partial"
    shutil.rmtree(partial, ignore_errors=True)  # this script's own unfinished conversion
    os.makedirs(partial)
    reference, denoiser = load_models(hallo, fixtures, args.model)
    parameters = sum(p.numel() for p in reference.parameters()) + sum(p.numel() for p in denoiser.parameters())
    with torch.no_grad(), checkpoint_as_plain_call():
        expected = window_step(hallo, reference, denoiser, inputs, args.motion_frames)[0]
    numpy.save(os.path.join(partial, "torch-output.npy"), expected.numpy())
    del denoiser, expected
    gc.collect()
    part = reference_part(hallo, reference, args.motion_frames)
    with torch.no_grad(), checkpoint_as_plain_call():
        ov.save_model(ov.convert_model(part, example_input=(reference_latents, text)),
                      os.path.join(partial, "reference.xml"), compress_to_fp16=False)
    bank = part.bank
    del part, reference
    gc.collect()
    denoiser = load_models(hallo, fixtures, args.model, networks=("denoiser",))[1]
    part = denoiser_part(hallo, denoiser, len(bank))
    mask_list = masks["full_mask"] + masks["face_mask"] + masks["lip_mask"]
    with torch.no_grad(), checkpoint_as_plain_call():
        ov.save_model(ov.convert_model(part, example_input=tuple([window, text, audio] + bank + mask_list)),
                      os.path.join(partial, "denoiser.xml"), compress_to_fp16=False)
    del part, denoiser
    gc.collect()
    os.replace(partial, folder)
    return parameters


def run_openvino(args, fixtures, hallo_dir, workdir):
    """The window through OpenVINO: the ReferenceNet's graph, then the denoiser's on its bank, timed together
    (converted once into the folder args.ir, `convert_window`); returns the benchmark's JSON fields."""
    import numpy
    import torch
    torch.set_num_threads(args.threads)
    inputs = window_inputs(fixtures, args.model, args.latent, args.frames, args.motion_frames)
    text, window, reference_latents, audio, masks = inputs
    start = time.perf_counter()
    if not os.path.isdir(args.ir):
        # In a process of its own: converting leaves PyTorch's heap behind, and at SD1.5's sizes that and the
        # compiled graphs together did not fit in 23 GiB.
        subprocess.run([sys.executable, os.path.abspath(__file__), *sys.argv[1:], "--convert-only"], check=True,
                       stdout=subprocess.DEVNULL)
    convert = time.perf_counter() - start
    reference = openvino_runtime.compile_module(None, None, args.threads, cache=os.path.join(args.ir, "reference.xml"))
    denoiser = openvino_runtime.compile_module(None, None, args.threads, cache=os.path.join(args.ir, "denoiser.xml"))
    reference_request, denoiser_request = reference.create_infer_request(), denoiser.create_infer_request()
    reference_inputs = [reference_latents.numpy(), text.numpy()]
    denoiser_inputs = [window.numpy(), text.numpy(), audio.numpy()]
    mask_arrays = [mask.numpy() for mask in masks["full_mask"] + masks["face_mask"] + masks["lip_mask"]]

    def window_step_openvino():
        # The bank stays in the ReferenceNet request's output tensors until the denoiser has read it.
        bank = reference_request.infer(reference_inputs, share_outputs=True)
        bank_arrays = [bank[output] for output in reference.outputs]
        return denoiser_request.infer(denoiser_inputs + bank_arrays + mask_arrays, share_inputs=True)[0]

    seconds = openvino_runtime.median_seconds_of(window_step_openvino, args.repeats)
    output = window_step_openvino()
    expected = numpy.load(os.path.join(args.ir, "torch-output.npy"))
    difference = float(numpy.abs(output - expected).max() / numpy.abs(expected).max())
    return {"load_seconds": convert, "threads": args.threads, "runtime":
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
    parser.add_argument("--ir", help="with --runtime openvino: the folder of the converted window, made when missing")
    parser.add_argument("--convert-only", action="store_true",
                        help="with --runtime openvino: make the --ir folder when missing, time nothing")
    args = parser.parse_args()
    hallo_source.require(args.hallo)
    if args.runtime == "openvino" and not args.ir:
        parser.error("--runtime openvino needs --ir FOLDER (where the converted window is kept between rounds)")

    import torch
    torch.set_num_threads(args.threads)
    fixtures = fixture_script()
    workdir = tempfile.mkdtemp(prefix="hallo-bench-")
    atexit.register(shutil.rmtree, workdir, True)  # the copy of Hallo's code is this run's own
    if args.runtime == "openvino" and args.convert_only:
        if not os.path.isdir(args.ir):
            inputs = window_inputs(fixtures, args.model, args.latent, args.frames, args.motion_frames)
            parameters = convert_window(args, fixtures, args.hallo, workdir, inputs, args.ir)
            print(json.dumps({"parameters": parameters}))
        return
    if args.runtime == "openvino":
        print(json.dumps(run_openvino(args, fixtures, args.hallo, workdir)))
        return
    hallo = fixtures.import_hallo(args.hallo, workdir)
    start = time.perf_counter()
    reference, denoiser = load_models(hallo, fixtures, args.model)
    load = time.perf_counter() - start
    parameters = sum(p.numel() for p in reference.parameters()) + sum(p.numel() for p in denoiser.parameters())
    inputs = window_inputs(fixtures, args.model, args.latent, args.frames, args.motion_frames)
    reference_times, denoiser_times = [], []
    with torch.no_grad():
        for round in range(args.repeats + 1):
            _, reference_seconds, denoiser_seconds = window_step(hallo, reference, denoiser, inputs, args.motion_frames)
            if round > 0:
                reference_times.append(reference_seconds)
                denoiser_times.append(denoiser_seconds)
    print(json.dumps({
        "load_seconds": load, "threads": args.threads, "parameters": parameters,
        "reference_seconds": statistics.median(reference_times), "denoiser_seconds": statistics.median(denoiser_times),
        "seconds": statistics.median(r + d for r, d in zip(reference_times, denoiser_times)),
        "peak_resident_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


if __name__ == "__main__":
    main()
