#!/usr/bin/env python3
"""The PyTorch side of scripts/bench/60-audio.sh.

  audio-torch-reference.py make-model DIR          wav2vec2-base-960h's architecture with random weights (transformers'
                                                   own initialisation), saved as a transformers folder (~380 MB)
  audio-torch-reference.py make-speech FILE.wav    10 s of speech-like audio, 16 kHz mono s16
  audio-torch-reference.py time DIR FILE.wav --threads 2 --repeats 3 [--fps 25]
      times Hallo's audio path in PyTorch eager, float32: the feature extractor's normalisation, the convolutional
      features, linear interpolation (align_corners) to ceil(seconds x fps) steps, the feature projection and the
      encoder with every hidden state (what Hallo's Wav2VecModel.forward does, here through transformers' modules);
      median after one warm-up; prints JSON with the peak resident memory.
"""
import argparse
import json
import math
import os
import resource
import sys
import time
import wave

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the shared tbdref package
from tbdref.wav import write_mono16  # noqa: E402


def make_model(folder):
    import torch
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model
    torch.manual_seed(0)
    model = Wav2Vec2Model(Wav2Vec2Config()).eval()
    model.save_pretrained(folder, safe_serialization=True)
    Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=True,
                             return_attention_mask=False).save_pretrained(folder)


def make_speech(path, seconds=10.0, rate=16000):
    import numpy as np
    rng = np.random.default_rng(3)
    t = np.arange(int(seconds * rate)) / rate
    pitch = 120 + 50 * np.sin(2 * np.pi * 0.7 * t) + 20 * np.sin(2 * np.pi * 3.1 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum(np.sin(k * phase) * np.exp(-((k * 130 - 700) / 900) ** 2) for k in range(1, 25))
    syllables = np.clip(np.sin(2 * np.pi * 2.3 * t) + 0.3, 0, None)
    signal = 0.3 * voiced * syllables + 0.01 * rng.standard_normal(t.size)
    pcm = np.round(np.clip(signal / np.abs(signal).max() * 0.8, -1, 1) * 32767).astype(np.int16)
    write_mono16(path, pcm, rate)


def time_model(folder, path, threads, repeats, fps):
    import numpy as np
    import torch
    import torch.nn.functional as F
    from transformers import Wav2Vec2FeatureExtractor, Wav2Vec2Model
    torch.set_num_threads(threads)
    with wave.open(path, "rb") as handle:
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    speech = pcm.astype(np.float32) / 32768.0
    model = Wav2Vec2Model.from_pretrained(folder, torch_dtype=torch.float32).eval()
    extractor = Wav2Vec2FeatureExtractor.from_pretrained(folder)

    def run():
        values = torch.from_numpy(np.squeeze(extractor(speech, sampling_rate=16000).input_values)).float()[None]
        frames = math.ceil(values.shape[1] / 16000 * fps)
        with torch.no_grad():
            features = model.feature_extractor(values)
            features = F.interpolate(features, size=frames, align_corners=True, mode="linear").transpose(1, 2)
            hidden, _ = model.feature_projection(features)
            output = model.encoder(hidden, output_hidden_states=True, return_dict=True)
            return torch.stack(output.hidden_states[1:], dim=1)[0].transpose(0, 1)

    shape = list(run().shape)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"encode_seconds": sorted(times)[len(times) // 2], "feature_shape": shape,
                      "peak_resident_bytes": peak, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["make-model", "make-speech", "time"])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fps", type=float, default=25)
    args = parser.parse_args()
    if args.action == "make-model":
        make_model(args.paths[0])
    elif args.action == "make-speech":
        make_speech(args.paths[0])
    else:
        time_model(args.paths[0], args.paths[1], args.threads, args.repeats, args.fps)


if __name__ == "__main__":
    sys.exit(main())
