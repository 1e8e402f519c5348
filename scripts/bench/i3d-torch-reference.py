"""The reference side of scripts/bench/48-i3d.sh: piergiaj/pytorch-i3d's InceptionI3d (read from --i3d-source as
scripts/make-i3d-fixtures.py reads it) with the preprocessing of StyleGAN-V's FVD, on the bench's weights and videos.

    i3d-torch-reference.py --i3d-source DIR --weights STATE_DICT.pt --inputs VIDEOS.safetensors --threads N

Prints JSON: the seconds of the features (resize, scaling, network, mean over time) and the features themselves.
"""
import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def fixture_script():
    spec = importlib.util.spec_from_file_location("make_i3d_fixtures", os.path.join(os.path.dirname(HERE), "make-i3d-fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--i3d-source", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--threads", type=int, default=1)
    arguments = parser.parse_args()
    import torch
    from safetensors.torch import load_file
    torch.set_num_threads(arguments.threads)
    fixtures = fixture_script()
    with tempfile.TemporaryDirectory() as workdir:
        i3d = fixtures.piergiaj_module(arguments.i3d_source, workdir)
    model = i3d.InceptionI3d(400, in_channels=3)
    model.load_state_dict(torch.load(arguments.weights, map_location="cpu", weights_only=True))
    model.eval()
    videos = load_file(arguments.inputs)["videos"]
    start = time.perf_counter()
    features = fixtures.features(model, videos)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "features": features.flatten().tolist()}))


if __name__ == "__main__":
    main()
