"""Fixtures for SyncNet confidence: syncnet_python's network, its MFCC and its offset-and-confidence procedure.

    python3 -m venv .venv-syncnet
    .venv-syncnet/bin/pip install torch==2.13.0+cpu safetensors==0.8.0 numpy==2.4.6 scipy==1.17.1 \
        python_speech_features==0.6 pillow==13.0.0 opencv-python-headless==5.1.0.95
    .venv-syncnet/bin/python scripts/make-syncnet-fixtures.py --syncnet PATH/syncnet_python --speech-source PATH/whisper

The reference code is joonson/syncnet_python (MIT), not vendored: --syncnet names a checkout or a bare git
directory of it (the one here came from the project's GitHub snapshot tool, `fetch github:joonson/syncnet_python`,
commit 6efbb1c), and SyncNetModel.py and SyncNetInstance.py are copied from it into a temporary folder and
imported from there; run_pipeline.py's crop_video is taken from its source the same way (make_crops). The
script runs the reference's own `SyncNetInstance.loadParameters` and `evaluate`; what `evaluate` reaches outside
Python is stood in for: `ffmpeg` (its two subprocess calls: the frame files it would
extract become empty placeholders, the audio file it would extract is the speech clip below), `cv2.imread` (it
returns the clip's crops, in cv2's BGR order), and `.cuda()` (a no-op: everything runs on the CPU).

The published syncnet_v2.model cannot be fetched here, so the network gets seeded random weights written in its
file format (torch.save of the state dict) and converted by scripts/convert-eval-weights.py --syncnet as the real
file would be; the weights are regenerated in Swift (Tests/EvaluationTests/SeededUniformWeights.swift, the same
`seeded_uniform_weights` as scripts/make-eval-network-fixtures.py, loaded from there) and checked against the
converted file through the SHA-256 recorded here.

The speech is real: 2 s of openai/whisper's tests/jfk.flac (President Kennedy's inaugural address, a US
government work in the public domain), from --speech-source (a checkout or bare git directory of openai/whisper;
`fetch github:openai/whisper` here), cut from 0.3 s and converted by the ffmpeg tool to 16 kHz mono 16-bit PCM
as syncnet_python's own ffmpeg call converts audio. The face crops are 224x224 windows of
Tests/FaceAnalysisTests/Fixtures/images/several.png, window t at row 2t and column 100 + 3t (Swift cuts the same):
41 frames, so that every one of the 31 offsets compares some frames with real speech (36 windows).

Writes Tests/EvaluationTests/Fixtures/syncnet/:
    speech.wav            the speech clip (16 kHz mono s16)
    mfcc.safetensors      python_speech_features.mfcc of it as SyncNetInstance calls it: [frames, 13]
    network.safetensors   S.forward_aud's input and output ([3, 1, 13, 20] MFCC windows of the speech) and
                          S.forward_lip's output for the first two 5-frame windows of the crops (BGR 0..255; the
                          input is cut again in Swift, not stored)
    crops.json, crop-NN.png
                          run_pipeline.py's crop_video on a 20-frame track of given boxes over several.png: the
                          boxes, the smoothed centres and half-sizes, and three of the 224x224 crops it writes
    confidence.json       evaluate()'s offset and confidence on the 41 crops and the speech, the minimum and the 31
                          mean distances, the seed and the SHA-256 of the converted weights
    VERSIONS.json         the versions that made them, and the reference's commit
"""
import argparse
import ast
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import types

from tbdref import fixtures, tensors, versions

PINNED = {"torch": "2.13.0+cpu", "numpy": "2.4.6", "scipy": "1.17.1", "safetensors": "0.8.0", "PIL": "13.0.0",
          "cv2": "5.1.0"}
SPEECH_FEATURES = "0.6"
OUT = os.path.join(fixtures.ROOT, "Tests", "EvaluationTests", "Fixtures", "syncnet")
CONVERTER = os.path.join(fixtures.ROOT, "scripts", "convert-eval-weights.py")
PICTURE = os.path.join(fixtures.ROOT, "Tests", "FaceAnalysisTests", "Fixtures", "images", "several.png")
SEED = 26
FRAMES = 41
REFERENCE_FILES = ["SyncNetModel.py", "SyncNetInstance.py"]
CROPS_KEPT = [0, 7, 19]


def network_fixture_script():
    """scripts/make-eval-network-fixtures.py as a module, for its seeded weights and weights digest."""
    path = os.path.join(fixtures.ROOT, "scripts", "make-eval-network-fixtures.py")
    spec = importlib.util.spec_from_file_location("make_eval_network_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_from(source, path):
    """PATH's bytes from SOURCE: a checkout, or a bare git directory (HEAD)."""
    if os.path.isfile(os.path.join(source, path)):
        with open(os.path.join(source, path), "rb") as handle:
            return handle.read()
    return subprocess.run(["git", "--git-dir", source, "show", f"HEAD:{path}"], check=True, capture_output=True).stdout


def commit(source):
    for git_dir in [source, os.path.join(source, ".git")]:
        found = subprocess.run(["git", "--git-dir", git_dir, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip()
    return "checkout"


def crops():
    """The 41 crops, RGB uint8 [41, 224, 224, 3]."""
    import numpy as np
    from PIL import Image
    picture = np.asarray(Image.open(PICTURE).convert("RGB"))
    return np.stack([picture[2 * t:2 * t + 224, 100 + 3 * t:100 + 3 * t + 224] for t in range(FRAMES)])


def make_speech(source, path):
    flac = read_from(source, "tests/jfk.flac")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", "-", "-ss", "0.3", "-t", "2.0",
                    "-ac", "1", "-ar", "16000", "-acodec", "pcm_s16le", "-bitexact", path],
                   input=flac, check=True)


def make_crops(source):
    """run_pipeline.py's crop_video on 20 frames of several.png with a track of given boxes: its function is taken
    out of the script's source (the script itself runs S3FD and scene detection at import) and run with cv2's
    imread and VideoWriter stood in for (the frames in, the 224x224 crops it writes out), ffmpeg's two calls, the
    audio file it reads and the file it removes no-ops. Returns the boxes, the smoothed centres and sizes, and the crops (RGB)."""
    import cv2
    import numpy as np
    from PIL import Image
    from scipy import signal
    tree = ast.parse(read_from(source, "run_pipeline.py"))
    function = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "crop_video")
    picture = np.ascontiguousarray(np.asarray(Image.open(PICTURE).convert("RGB"))[:, :, ::-1])
    count = 20
    rng = np.random.default_rng(SEED)
    t = np.arange(count)
    # A face-sized box wandering over the picture, its last frames reaching past the top-left corner (the padding).
    centre_x = 180 + 40 * np.sin(t / 3) + rng.normal(0, 3, count) - np.maximum(0, t - 14) * 30
    centre_y = 90 + 20 * np.cos(t / 4) + rng.normal(0, 3, count) - np.maximum(0, t - 14) * 15
    half_width = 32 + 8 * np.sin(t) + rng.normal(0, 2, count)
    half_height = 38 + 6 * np.cos(t / 2) + rng.normal(0, 2, count)
    boxes = np.stack([centre_x - half_width, centre_y - half_height, centre_x + half_width, centre_y + half_height], 1)
    written = []

    class Writer:
        def __init__(self, *arguments):
            pass

        def write(self, frame):
            written.append(frame.copy())

        def release(self):
            pass

    stand_in = types.SimpleNamespace(imread=lambda name: picture.copy(), VideoWriter=Writer,
                                     VideoWriter_fourcc=cv2.VideoWriter_fourcc, resize=cv2.resize)
    namespace = {"glob": types.SimpleNamespace(glob=lambda pattern: ["%06d.jpg" % i for i in range(count)]),
                 "os": types.SimpleNamespace(path=os.path, remove=lambda path: None), "cv2": stand_in, "np": np, "signal": signal, "pdb": None, "print": lambda *a: None,
                 "subprocess": types.SimpleNamespace(call=lambda *a, **k: 0),
                 "wavfile": types.SimpleNamespace(read=lambda path: (16000, np.zeros(640, np.int16)))}
    exec(compile(ast.Module(body=[function], type_ignores=[]), "run_pipeline.py", "exec"), namespace)
    options = types.SimpleNamespace(frames_dir="frames", reference="clip", frame_rate=25, crop_scale=0.40,
                                    tmp_dir="tmp", avi_dir="avi")
    smoothed = namespace["crop_video"](options, {"frame": t, "bbox": boxes}, "crop")["proc_track"]
    crops = [frame[:, :, ::-1] for frame in written]
    return boxes, smoothed, crops


def import_reference(source, workdir):
    """SyncNetInstance imported from a copy of the reference, with cv2 stood in for by a module whose imread
    returns FRAMES[name] (set later), and .cuda() a no-op."""
    import torch
    for name in REFERENCE_FILES:
        with open(os.path.join(workdir, name), "wb") as handle:
            handle.write(read_from(source, name))
    cv2 = types.ModuleType("cv2")
    cv2.__spec__ = importlib.machinery.ModuleSpec("cv2", None)
    cv2.frames = {}
    cv2.imread = lambda name: cv2.frames[os.path.basename(name)]
    sys.modules["cv2"] = cv2
    torch.nn.Module.cuda = lambda self, *arguments, **options: self
    torch.Tensor.cuda = lambda self, *arguments, **options: self
    sys.path.insert(0, workdir)
    import SyncNetInstance
    return SyncNetInstance, cv2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--syncnet", required=True, help="joonson/syncnet_python: a checkout or a bare git directory")
    parser.add_argument("--speech-source", required=True, help="openai/whisper: a checkout or a bare git directory")
    arguments = parser.parse_args()
    found = versions.require(PINNED)
    from importlib.metadata import version
    if version("python_speech_features") != SPEECH_FEATURES:
        sys.exit(f"python_speech_features {version('python_speech_features')} found, pinned {SPEECH_FEATURES}")
    found["python_speech_features"] = SPEECH_FEATURES
    import numpy as np
    import torch
    from scipy.io import wavfile
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    seeded = network_fixture_script()
    workdir = tempfile.mkdtemp(prefix="tbd-syncnet-fixtures-")
    try:
        from PIL import Image
        boxes, smoothed, crop_frames = make_crops(arguments.syncnet)
        for index in CROPS_KEPT:
            Image.fromarray(np.ascontiguousarray(crop_frames[index])).save(os.path.join(OUT, "crop-%02d.png" % index))
        with open(os.path.join(OUT, "crops.json"), "w", encoding="utf-8") as handle:
            json.dump({"boxes": boxes.tolist(), "x": [float(v) for v in smoothed["x"]], "y": [float(v) for v in smoothed["y"]],
                       "s": [float(v) for v in smoothed["s"]], "kept": CROPS_KEPT}, handle, indent=1, sort_keys=True)
            handle.write("\n")
        # The real cv2 above; the reference's evaluate() gets a stand-in from here on.
        reference, cv2 = import_reference(arguments.syncnet, workdir)
        import python_speech_features

        speech = os.path.join(OUT, "speech.wav")
        make_speech(arguments.speech_source, speech)
        rate, audio = wavfile.read(speech)
        assert rate == 16000 and audio.dtype == np.int16, (rate, audio.dtype)
        # As SyncNetInstance.evaluate computes it: mfcc(audio, sample_rate), transposed to [13, frames].
        mfcc = python_speech_features.mfcc(audio, rate)
        tensors.save_stable({"mfcc": torch.from_numpy(mfcc)}, os.path.join(OUT, "mfcc.safetensors"))

        instance = reference.SyncNetInstance()
        original = os.path.join(workdir, "random-syncnet_v2.model")
        torch.save(seeded.random_state_dict(instance.__S__, SEED), original)
        converted = os.path.join(workdir, "converted")
        result = subprocess.run([sys.executable, CONVERTER, "--out", converted, "--syncnet", original],
                                capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit("convert-eval-weights.py failed: " + result.stderr.strip())
        instance.loadParameters(original)
        network = instance.__S__.eval()

        frames = crops()
        bgr = np.ascontiguousarray(frames[:, :, :, ::-1])
        # [1, 3, frames, 224, 224] as evaluate() stacks cv2's frames; windows 0 and 1.
        video = torch.from_numpy(bgr.transpose(3, 0, 1, 2)[None].astype(float)).float()
        lips = torch.cat([video[:, :, 0:5], video[:, :, 1:6]])
        windows = torch.from_numpy(np.stack([mfcc.T[None, :, 4 * s:4 * s + 20] for s in (0, 3, 7)]).astype(float)).float()
        with torch.no_grad():
            outputs = {"audio_input": windows, "audio_output": network.forward_aud(windows),
                       "lip_input": lips, "lip_output": network.forward_lip(lips)}
        # The lip input is not stored (3 MB): Swift cuts the same windows from the same picture.
        tensors.save_stable({name: value for name, value in outputs.items() if name != "lip_input"},
                            os.path.join(OUT, "network.safetensors"))

        # evaluate() on the crops and the speech: its ffmpeg calls make the frame files (placeholders; cv2.imread
        # returns the crops) and the audio file (the speech clip).
        options = types.SimpleNamespace(tmp_dir=os.path.join(workdir, "tmp"), reference="clip", batch_size=20, vshift=15)
        clip_folder = os.path.join(options.tmp_dir, options.reference)

        def ffmpeg(command, shell=False, stdout=None):
            if command.endswith(".jpg"):
                for index in range(FRAMES):
                    name = "%06d.jpg" % (index + 1)
                    open(os.path.join(clip_folder, name), "wb").close()
                    cv2.frames[name] = bgr[index]
            else:
                shutil.copyfile(speech, os.path.join(clip_folder, "audio.wav"))
            return 0

        reference.subprocess.call = ffmpeg
        with torch.no_grad():
            offset, confidence, distances = instance.evaluate(options, videofile="clip.avi")
        means = distances.mean(axis=0)
        record = {"seed": SEED, "frames": FRAMES, "offset": int(offset), "confidence": float(confidence),
                  "minimum_distance": float(means.min()), "mean_distances": [float(v) for v in means],
                  "windows": int(distances.shape[0]),
                  "weights_sha256": seeded.weights_digest(os.path.join(converted, "syncnet.safetensors"))}
        ordered = np.sort(means)
        # An offset that float rounding could flip would make a poor fixture.
        assert ordered[1] - ordered[0] > 1e-4 * abs(ordered[0]), ordered[:2]
        with open(os.path.join(OUT, "confidence.json"), "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=1, sort_keys=True)
            handle.write("\n")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    versions.write_record(os.path.join(OUT, "VERSIONS.json"), {**found, "syncnet_python": commit(arguments.syncnet)})
    fixtures.report_written(OUT)


if __name__ == "__main__":
    main()
