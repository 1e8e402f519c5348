"""OpenVINO beside PyTorch eager in the benchmarks: the same torch module converted in memory with
`openvino.convert_model` (FACTS section 14), compiled for the CPU in Float32 on the same thread count, and timed
the same way (one warm-up, then the median of N runs). Imported by the *-torch-reference.py scripts for
`--runtime openvino`; the shell scripts skip OpenVINO with a line saying so when `available()` is false.

A converted model can be kept as IR (`cache`, an .xml path; weights stay Float32) so later rounds of a benchmark
compile it without converting again: conversion is not timed, but takes about a minute for SD1.5's UNet on 2 cores.
"""
import importlib.util
import os
import statistics
import time


def available():
    return importlib.util.find_spec("openvino") is not None


def version():
    import openvino
    return openvino.__version__


def compile_module(module, example_inputs, threads, shapes=None, cache=None):
    """`module` (a torch.nn.Module taking `example_inputs` positionally) compiled for the CPU; `shapes` (one
    list per input) makes every input static, as the benchmark's shapes are."""
    import openvino as ov
    core = ov.Core()
    if cache and os.path.exists(cache):
        model = core.read_model(cache)
    else:
        model = ov.convert_model(module, example_input=tuple(example_inputs))
        if cache:
            ov.save_model(model, cache, compress_to_fp16=False)
    if shapes:
        model.reshape({index: ov.PartialShape(shape) for index, shape in enumerate(shapes)})
    # f32 precision: without the hint OpenVINO may run bf16 where the CPU has it, which is not the comparison.
    return core.compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32"})


def median_seconds(compiled, inputs, repeats):
    """Median seconds of `repeats` inferences on `inputs` (numpy arrays, in the module's order), after one warm-up."""
    request = compiled.create_infer_request()
    return median_seconds_of(lambda: request.infer(list(inputs)), repeats)


def median_seconds_of(run, repeats):
    """Median seconds of `repeats` calls of `run` (one inference, or several in sequence), after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        run()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)
