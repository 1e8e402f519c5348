#!/usr/bin/env python3
"""Converts the audio checkpoints tbd reads into safetensors folders.

  convert-audio-checkpoints.py wav2vec SRC DST
      a transformers wav2vec 2.0 folder whose weights are `pytorch_model.bin` (such as the Hub's older
      facebook/wav2vec2-base-960h revisions) -> DST with config.json, preprocessor_config.json and model.safetensors
  convert-audio-checkpoints.py hallo-audio-proj NET_PTH DST
      Hallo's `hallo/net.pth` -> DST with the `audioproj.` weights (proj1, proj2, proj3, norm) as model.safetensors
      and config.json with Hallo's AudioProjModel arguments derived from their shapes (seq_len 5, 12 blocks, as Hallo)

DST must be new or an empty folder. Needs torch and safetensors (any recent version). Pickles are read with
`torch.load(..., weights_only=True)` (scripts/tbdref/pickles.py): nothing in them is executed. Tensors are written
as stored (F32 or F16); names are kept.
"""
import argparse
import json
import os
import shutil
import sys

from tbdref.pickles import UnreadablePickle, load_state_dict


def load_pickle(path):
    try:
        return load_state_dict(path)
    except UnreadablePickle as error:
        sys.exit(str(error))


def check_target(target):
    """TARGET must be new or an empty folder: a conversion writes files of fixed names, and must not replace
    someone's."""
    if os.path.isdir(target):
        if os.listdir(target):
            sys.exit(f"{target} exists and is not empty: choose a new folder")
    elif os.path.exists(target):
        sys.exit(f"{target} exists and is not a folder")


def convert_wav2vec(source, target):
    from safetensors.torch import save_file
    weights = os.path.join(source, "pytorch_model.bin")
    if not os.path.isfile(weights):
        sys.exit(f"{weights}: not found")
    if not os.path.isfile(os.path.join(source, "config.json")):
        sys.exit(f"{os.path.join(source, 'config.json')}: not found")
    state = load_pickle(weights)  # before anything is written: an unreadable pickle leaves no half folder
    os.makedirs(target, exist_ok=True)
    for name in ["config.json", "preprocessor_config.json"]:
        if os.path.isfile(os.path.join(source, name)):
            shutil.copyfile(os.path.join(source, name), os.path.join(target, name))
    save_file({key: value.contiguous() for key, value in state.items()}, os.path.join(target, "model.safetensors"),
              metadata={"format": "pt"})
    print(f"wrote {target}: {len(state)} tensors")


def convert_hallo_audio_proj(net, target):
    from safetensors.torch import save_file
    state = load_pickle(net)
    projection = {key[len("audioproj."):]: value.contiguous() for key, value in state.items() if key.startswith("audioproj.")}
    missing = [k for k in ["proj1.weight", "proj2.weight", "proj3.weight", "norm.weight"] if k not in projection]
    if missing:
        sys.exit(f"{net}: no audioproj.{missing[0]} (not Hallo's net.pth?)")
    output_dim = projection["norm.weight"].shape[0]
    input_dim = projection["proj1.weight"].shape[1]
    seq_len, blocks = 5, 12
    if input_dim % (seq_len * blocks):
        sys.exit(f"{net}: proj1's input width {input_dim} is not 5 x 12 x channels")
    config = {"seq_len": seq_len, "blocks": blocks, "channels": input_dim // (seq_len * blocks),
              "intermediate_dim": projection["proj1.weight"].shape[0], "output_dim": output_dim,
              "context_tokens": projection["proj3.weight"].shape[0] // output_dim}
    os.makedirs(target, exist_ok=True)
    save_file(projection, os.path.join(target, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(target, "config.json"), "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=1)
        handle.write("\n")
    print(f"wrote {target}: {config}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["wav2vec", "hallo-audio-proj"])
    parser.add_argument("source")
    parser.add_argument("target")
    args = parser.parse_args()
    check_target(args.target)
    if args.kind == "wav2vec":
        convert_wav2vec(args.source, args.target)
    else:
        convert_hallo_audio_proj(args.source, args.target)


if __name__ == "__main__":
    main()
