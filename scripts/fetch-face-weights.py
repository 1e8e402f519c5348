#!/usr/bin/env python3
"""MTCNN's trained weights (P-Net, R-Net, O-Net) as safetensors, from the facenet-pytorch 2.6.0 wheel.

    python3 scripts/fetch-face-weights.py [--out DIR] [--wheel FILE] [--check]

The folder is $TBD_FACE_WEIGHTS, else ${XDG_CACHE_HOME:-~/.cache}/tbd/mtcnn-facenet-pytorch-2.6.0. When its three
files are present with the pinned SHA-256 digests nothing is done. Otherwise the wheel is downloaded with pip
(`pip download --no-deps facenet-pytorch==2.6.0`; `--wheel FILE` uses a wheel already on disk), checked against its
pinned digest, and `facenet_pytorch/data/{pnet,rnet,onet}.pt` are read with a restricted unpickler: only the
globals a state dict of float tensors needs are resolved (an ordered dict, torch's tensor rebuild function, float
storages), so nothing in the pickle is executed, as torch.load(weights_only=True) guarantees. No torch needed: the
standard library only.

Each output file is written under a temporary name beside the target and renamed once complete, so an interrupted
run leaves either the old file or none. Nothing else in the folder is touched. Exit status 0: the folder holds the
three verified files; 1: an error, named on stderr.
"""
import argparse
import hashlib
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile

WHEEL = "facenet_pytorch-2.6.0-py3-none-any.whl"
WHEEL_SHA256 = "ecb82b27beb226d106f2219efe8f829b01b87a8595badd01545679bdb9f19cca"
PICKLES = {  # name -> SHA-256 of facenet_pytorch/data/NAME.pt inside the wheel
    "pnet": "a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f",
    "rnet": "bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86",
    "onet": "165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d",
}
OUTPUTS = {  # name -> SHA-256 of the safetensors file this script writes (sorted header, float32)
    "pnet": "9a5945b9aa8bb3cd664193d09362ad6d90e000fc967013862350ea771329f73c",
    "rnet": "0aa511f6e803c7ad57570d7ed521e80db30d43c3365cbdc6b6f14487db31486a",
    "onet": "a1888f3d56e671109b821e44c542e61c63de550d2491585dfea8bdbe9c1ef4bb",
}
MAX_PICKLE_BYTES = 8 << 20  # the largest, onet.pt, is 1.56 MB
STORAGE_BYTES = {"FloatStorage": 4}


class WeightsError(Exception):
    pass


def default_folder():
    if os.environ.get("TBD_FACE_WEIGHTS"):
        return os.environ["TBD_FACE_WEIGHTS"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "tbd", "mtcnn-facenet-pytorch-2.6.0")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class TensorRecord:
    """A tensor as the pickle describes it: which storage, where in it, its shape and strides."""

    def __init__(self, storage, offset, shape, strides):
        self.storage, self.offset, self.shape, self.strides = storage, offset, tuple(shape), tuple(strides)


class StorageRecord:
    def __init__(self, kind, key, elements):
        self.kind, self.key, self.elements = kind, key, elements


def rebuild_tensor(storage, offset, shape, strides, requires_grad=False, hooks=None, metadata=None):
    if not isinstance(storage, StorageRecord):
        raise WeightsError("a tensor refers to something other than a storage")
    return TensorRecord(storage, offset, shape, strides)


class StateDict(dict):
    """An ordered dict (torch attaches its `_metadata` attribute through the pickle's BUILD)."""


class StorageType:
    def __init__(self, name):
        self.name = name


class StateDictUnpickler(pickle.Unpickler):
    """Resolves only what a state dict of float tensors needs; any other global is refused, never imported."""

    allowed = {
        ("collections", "OrderedDict"): StateDict,
        ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
        ("torch", "FloatStorage"): StorageType("FloatStorage"),
    }

    def __init__(self, handle, name):
        super().__init__(handle)
        self.name = name
        self.storages = {}

    def find_class(self, module, name):
        if (module, name) not in self.allowed:
            raise WeightsError(f"{self.name}: the pickle asks for {module}.{name}, which a state dict of float "
                               "tensors never needs; refused without running it")
        return self.allowed[(module, name)]

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise WeightsError(f"{self.name}: unexpected persistent id {pid!r:.80}")
        kind, key, elements = pid[1], str(pid[2]), pid[4]
        if not isinstance(kind, StorageType) or kind.name not in STORAGE_BYTES:
            raise WeightsError(f"{self.name}: storage of an unsupported type")
        if key not in self.storages:
            self.storages[key] = StorageRecord(kind.name, key, int(elements))
        return self.storages[key]


def read_state_dict(data, name):
    """{tensor name: (shape, float32 little-endian bytes)} from the bytes of a torch.save pickle, legacy or zip."""
    if zipfile.is_zipfile(io.BytesIO(data)):
        archive = zipfile.ZipFile(io.BytesIO(data))
        pickles = [entry for entry in archive.namelist() if entry.endswith("/data.pkl")]
        if len(pickles) != 1:
            raise WeightsError(f"{name}: a torch zip archive has one data.pkl, this one has {len(pickles)}")
        prefix = pickles[0][: -len("data.pkl")]
        unpickler = StateDictUnpickler(io.BytesIO(archive.read(pickles[0])), name)
        state = unpickler.load()
        raw = {key: archive.read(prefix + "data/" + key) for key in unpickler.storages}
    else:
        handle = io.BytesIO(data)
        try:
            magic = pickle.load(handle)  # plain ints and a dict of ints: no globals
            protocol = pickle.load(handle)
            pickle.load(handle)
        except Exception as error:
            raise WeightsError(f"{name}: not a torch pickle ({error})") from error
        if magic != 0x1950A86A20F9469CFC6C or protocol != 1001:
            raise WeightsError(f"{name}: not a torch pickle (magic number or protocol differs)")
        unpickler = StateDictUnpickler(handle, name)
        state = unpickler.load()
        keys = pickle.load(handle)
        raw = {}
        for key in keys:
            header = handle.read(8)
            if len(header) != 8:
                raise WeightsError(f"{name}: truncated before storage {key}")
            (elements,) = struct.unpack("<q", header)
            record = unpickler.storages.get(str(key))
            if record is None or elements != record.elements:
                raise WeightsError(f"{name}: storage {key} has {elements} elements, the pickle said otherwise")
            payload = handle.read(elements * STORAGE_BYTES[record.kind])
            if len(payload) != elements * STORAGE_BYTES[record.kind]:
                raise WeightsError(f"{name}: truncated inside storage {key}")
            raw[str(key)] = payload
    if not isinstance(state, dict) or not state:
        raise WeightsError(f"{name}: holds no state dict")
    tensors = {}
    for key, record in state.items():
        if not isinstance(record, TensorRecord):
            raise WeightsError(f"{name}: entry {key} is not a tensor")
        storage = raw.get(record.storage.key)
        if storage is None:
            raise WeightsError(f"{name}: tensor {key} has no storage")
        values = strided_values(storage, record, f"{name}: tensor {key}")
        tensors[key] = (record.shape, values)
    return tensors


def strided_values(storage, record, label):
    """The tensor's elements in row-major order as float32 little-endian bytes, gathered through its strides
    (facenet-pytorch's convolution kernels are stored transposed, as converted from TensorFlow)."""
    if len(record.shape) != len(record.strides) or any(size < 0 for size in record.shape):
        raise WeightsError(f"{label}: shape and strides disagree")
    floats = struct.unpack(f"<{len(storage) // 4}f", storage[: len(storage) // 4 * 4])
    indices = [record.offset]
    for size, stride in zip(record.shape, record.strides):
        indices = [base + position * stride for base in indices for position in range(size)]
    if indices and (min(indices) < 0 or max(indices) >= len(floats)):
        raise WeightsError(f"{label}: lies outside its storage")
    values = [floats[index] for index in indices]
    if any(value != value or value in (float("inf"), float("-inf")) for value in values):
        raise WeightsError(f"{label}: holds a non-finite value")
    return struct.pack(f"<{len(values)}f", *values)


def safetensors_bytes(tensors, metadata):
    """The safetensors encoding of TENSORS (float32), keys sorted, so equal content gives equal bytes."""
    header, offset = {"__metadata__": metadata}, 0
    for key in sorted(tensors):
        shape, values = tensors[key]
        header[key] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(values)]}
        offset += len(values)
    encoded = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    return struct.pack("<Q", len(encoded)) + encoded + b"".join(tensors[key][1] for key in sorted(tensors))


def write_atomically(path, data):
    folder = os.path.dirname(path)
    descriptor, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".partial", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)  # made by this run, under a name no one else uses
        raise


def verified(folder):
    """The names whose output file is missing or differs from its pinned digest."""
    stale = []
    for name, digest in OUTPUTS.items():
        path = os.path.join(folder, name + ".safetensors")
        if not os.path.isfile(path):
            stale.append(name)
            continue
        with open(path, "rb") as handle:
            if digest is not None and sha256(handle.read()) != digest:
                stale.append(name)
    return stale


def download_wheel(folder):
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "facenet-pytorch==2.6.0", "--dest", folder]
    result = subprocess.run(command, capture_output=True, text=True)
    path = os.path.join(folder, WHEEL)
    if result.returncode != 0 or not os.path.isfile(path):
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no wheel came back"]
        raise WeightsError("pip could not download facenet-pytorch==2.6.0 (" + detail[0] + "); download " + WHEEL +
                           " elsewhere and pass --wheel FILE")
    return path


def convert(wheel_path, folder):
    with open(wheel_path, "rb") as handle:
        wheel = handle.read()
    if sha256(wheel) != WHEEL_SHA256:
        raise WeightsError(f"{wheel_path}: SHA-256 differs from facenet-pytorch 2.6.0's wheel ({WHEEL_SHA256})")
    archive = zipfile.ZipFile(io.BytesIO(wheel))
    written = {}
    for name, digest in PICKLES.items():
        entry = archive.getinfo(f"facenet_pytorch/data/{name}.pt")
        if entry.file_size > MAX_PICKLE_BYTES:
            raise WeightsError(f"{name}.pt: {entry.file_size} bytes, more than a P/R/O-Net state dict can be")
        data = archive.read(entry)
        if sha256(data) != digest:
            raise WeightsError(f"{name}.pt: SHA-256 differs from the pinned one")
        tensors = read_state_dict(data, f"{name}.pt")
        encoded = safetensors_bytes(tensors, {"source": f"facenet-pytorch 2.6.0 facenet_pytorch/data/{name}.pt",
                                              "source_sha256": digest})
        if OUTPUTS[name] is not None and sha256(encoded) != OUTPUTS[name]:
            raise WeightsError(f"{name}.safetensors: the conversion gives a different SHA-256 than pinned")
        write_atomically(os.path.join(folder, name + ".safetensors"), encoded)
        written[name] = sha256(encoded)
    return written


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="folder for pnet/rnet/onet.safetensors (default: see above)")
    parser.add_argument("--wheel", default=None, help="facenet_pytorch-2.6.0-py3-none-any.whl already on disk")
    parser.add_argument("--check", action="store_true", help="only verify the folder; exit 1 when not complete")
    arguments = parser.parse_args()
    folder = arguments.out or default_folder()
    try:
        stale = verified(folder) if os.path.isdir(folder) else list(OUTPUTS)
        if not stale:
            return 0
        if arguments.check:
            raise WeightsError(f"{folder}: missing or changed: " + ", ".join(n + ".safetensors" for n in stale))
        os.makedirs(folder, exist_ok=True)
        if arguments.wheel:
            written = convert(arguments.wheel, folder)
        else:
            with tempfile.TemporaryDirectory(prefix="tbd-facenet-") as download:
                written = convert(download_wheel(download), folder)
        print(f"MTCNN weights (facenet-pytorch 2.6.0) in {folder}: " +
              ", ".join(f"{name}.safetensors sha256:{digest[:12]}" for name, digest in written.items()))
        return 0
    except (WeightsError, OSError, zipfile.BadZipFile, KeyError, pickle.UnpicklingError) as error:
        print(f"fetch-face-weights: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
