#!/usr/bin/env python3
"""Writes the audio parity fixtures (Tests/RendererTests/Fixtures/audio) from Hallo's own model code.

Hallo (github.com/fudan-generative-vision/hallo, MIT) is not vendored: this script reads `hallo/models/wav2vec.py`,
`hallo/models/audio_proj.py` and the window function of `scripts/inference.py` out of a git copy of it at run time
into a temporary folder and imports them from there (scripts/tbdref/hallo_source.py). Nothing of Hallo's is written
into this repository.

    python3 -m venv .venv-hallo
    .venv-hallo/bin/pip install 'torch==2.13.0+cpu' 'diffusers==0.27.2' 'transformers==4.39.2' \
        'huggingface_hub<0.26' 'numpy<2' einops omegaconf safetensors
    git clone https://github.com/fudan-generative-vision/hallo /tmp/hallo-src     # or a bare mirror
    .venv-hallo/bin/python scripts/make-audio-fixtures.py --hallo /tmp/hallo-src   # or TBD_HALLO_SRC=/tmp/hallo-src

What it writes, per tiny random-weight wav2vec 2.0 (`w2v-group`: group-norm feature encoder, post-LN transformer,
no conv bias, even positional kernel, weight norm stored as parametrizations; `w2v-layer`: layer-norm feature
encoder, stable layer norm, conv bias, odd positional kernel, weight norm stored as weight_g/weight_v under a
`wav2vec2.` prefix as in a CTC checkpoint): the model folder (config.json, model.safetensors,
preprocessor_config.json) and `NAME-expected.safetensors` with the normalised input, the CNN features, and
`audio_features` [frames, L, D] (Hallo's hidden_states[1:] stacked) for the fixture speech at the listed fps
(and for w2v-group, `audio_features_fps25_window16`: padded to whole 16-frame windows as `preprocess(wav, 16)` does).
Then `audio-proj/` (Hallo's AudioProjModel on random weights: config.json and its state dict) and
`audio-proj-expected.safetensors` with `audio_windows` (Hallo's 5-frame windows of w2v-group's features) and
`audio_tokens`. And `base-960h-config.json`, `speech.wav` (16 kHz mono s16) plus `speech.mp4` (the same speech as AAC beside a tiny video).
"""
import argparse
import ast
import json
import math
import os
import shutil
import subprocess

from tbdref import hallo_source
from tbdref.fixtures import RENDERER, hallo_fixture_run
from tbdref.tensors import randomise
from tbdref.wav import write_mono16

PINNED = {"torch": "2.13.0+cpu", "transformers": "4.39.2", "diffusers": "0.27.2", "numpy": "1.26."}

OUT = os.path.join(RENDERER, "audio")
HALLO_FILES = ["hallo/models/wav2vec.py", "hallo/models/audio_proj.py", "scripts/inference.py"]


def import_hallo(source, workdir):
    """Puts Hallo's two model files into WORKDIR/hallo/models and returns its modules and window function."""
    hallo_source.import_into(source, HALLO_FILES[:2], workdir)
    from hallo.models.audio_proj import AudioProjModel
    from hallo.models.wav2vec import Wav2VecModel
    # scripts/inference.py imports the whole pipeline; only its window function is needed, so that one
    # definition is taken from the file's syntax tree and run on its own.
    tree = ast.parse(hallo_source.read(source, HALLO_FILES[2]))
    function = next(node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "process_audio_emb")
    namespace = {"torch": __import__("torch")}
    exec(compile(ast.Module(body=[function], type_ignores=[]), "hallo/scripts/inference.py", "exec"), namespace)
    return Wav2VecModel, AudioProjModel, namespace["process_audio_emb"]


def speech(samples, rate=16000, seed=7):
    """Speech-like test audio: a voiced glide with formant-like partials, syllable envelopes and a little noise."""
    import numpy as np
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / rate
    pitch = 140 + 40 * np.sin(2 * np.pi * 1.3 * t)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllables = 0.5 * (1 - np.cos(2 * np.pi * 4.0 * t)) ** 2
    signal = 0.25 * voiced * syllables + 0.02 * rng.standard_normal(samples)
    return np.round(np.clip(signal, -1, 1) * 20000).astype(np.int16)


WAV2VEC_CONFIGS = {
    "w2v-group": dict(
        conv_dim=[16, 16, 16], conv_kernel=[10, 3, 3], conv_stride=[5, 2, 2], conv_bias=False,
        feat_extract_norm="group", do_stable_layer_norm=False, hidden_size=32, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=64, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
        hidden_act="gelu", feat_extract_activation="gelu", layer_norm_eps=1e-5),
    "w2v-layer": dict(
        conv_dim=[24, 16, 16, 16], conv_kernel=[10, 3, 3, 2], conv_stride=[5, 2, 2, 2], conv_bias=True,
        feat_extract_norm="layer", do_stable_layer_norm=True, hidden_size=24, num_hidden_layers=3,
        num_attention_heads=2, intermediate_size=48, num_conv_pos_embeddings=7, num_conv_pos_embedding_groups=3,
        hidden_act="gelu", feat_extract_activation="gelu", layer_norm_eps=1e-6),
}
FPS = {"w2v-group": [25, 30], "w2v-layer": [25]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    with hallo_fixture_run(parser, PINNED, OUT, prefix="hallo-") as (args, workdir):
        import numpy as np
        import torch
        from safetensors.torch import load_file, save_file
        from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor

        torch.manual_seed(0)
        Wav2VecModel, AudioProjModel, process_audio_emb = import_hallo(args.hallo, workdir)
        if os.path.isdir(OUT):
            shutil.rmtree(OUT)
        os.makedirs(OUT)

        # 0.53 s: 8480 samples, 13.25 video frames at 25 fps, so ceil() matters and a few samples more or less
        # (AAC's padding) cannot change the frame count.
        pcm = speech(8480)
        write_mono16(os.path.join(OUT, "speech.wav"), pcm)
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                        "-f", "lavfi", "-i", "color=c=0x808080:s=16x16:r=25:d=0.6",
                        "-i", os.path.join(OUT, "speech.wav"), "-c:v", "libx264", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "32k", "-fflags", "+bitexact", "-flags:v", "+bitexact",
                        "-flags:a", "+bitexact", "-map_metadata", "-1", os.path.join(OUT, "speech.mp4")], check=True)
        # What the WAV decoder gives: s16 / 32768, exactly.
        waveform = pcm.astype(np.float32) / 32768.0

        windows_source = None
        for name, settings in WAV2VEC_CONFIGS.items():
            config = Wav2Vec2Config(**settings)
            model = Wav2VecModel(config)
            randomise(model, seed=len(name))
            model.eval()
            folder = os.path.join(OUT, name)
            model.save_pretrained(folder, safe_serialization=True)
            extractor = Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0,
                                                 do_normalize=True, return_attention_mask=False)
            extractor.save_pretrained(folder)
            if name == "w2v-layer":
                # The other stored form: weight_g/weight_v names under the `wav2vec2.` prefix of a CTC
                # checkpoint, with a head the encoder does not use.
                weights = load_file(os.path.join(folder, "model.safetensors"))
                renamed = {}
                for key, value in weights.items():
                    key = key.replace("parametrizations.weight.original0", "weight_g")
                    key = key.replace("parametrizations.weight.original1", "weight_v")
                    renamed["wav2vec2." + key] = value.contiguous()
                renamed["lm_head.weight"] = torch.randn(5, settings["hidden_size"], generator=torch.Generator().manual_seed(5))
                save_file(renamed, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})

            # Hallo's AudioProcessor.preprocess without the vocal separator: normalise, frame count, encode.
            input_values = np.squeeze(extractor(waveform, sampling_rate=16000).input_values)
            expected = {"input_values": torch.from_numpy(input_values.astype(np.float32))}
            with torch.no_grad():
                cnn = model.feature_extractor(expected["input_values"][None]).transpose(1, 2)[0]
                expected["cnn_features"] = cnn.contiguous()
                for fps in FPS[name]:
                    seq_len = math.ceil(len(input_values) / 16000 * fps)
                    output = model(expected["input_values"][None], seq_len=seq_len, output_hidden_states=True)
                    features = torch.stack(output.hidden_states[1:], dim=1).squeeze(0)
                    features = features.permute(1, 0, 2).contiguous()  # "b s d -> s b d"
                    expected[f"audio_features_fps{fps}"] = features
                    if name == "w2v-group" and fps == 25:
                        windows_source = features
                        # preprocess(wav, clip_length=16): the missing frames' worth of silence (sample_rate // fps
                        # samples each) appended to the normalised speech, seq_len rounded up to whole windows.
                        missing = 16 - seq_len % 16
                        padded = torch.nn.functional.pad(expected["input_values"], (0, missing * (16000 // fps)))
                        output = model(padded[None], seq_len=seq_len + missing, output_hidden_states=True)
                        features = torch.stack(output.hidden_states[1:], dim=1).squeeze(0).permute(1, 0, 2)
                        expected["audio_features_fps25_window16"] = features.contiguous()
            save_file(expected, os.path.join(OUT, f"{name}-expected.safetensors"))

        projection = AudioProjModel(seq_len=5, blocks=2, channels=32, intermediate_dim=24, output_dim=8,
                                    context_tokens=4)
        randomise(projection, seed=11)
        projection.eval()
        # Hallo's AudioProjModel is a bare ModelMixin (no registered config), so its constructor arguments are
        # written by hand beside its state dict.
        os.makedirs(os.path.join(OUT, "audio-proj"))
        save_file({key: value.contiguous() for key, value in projection.state_dict().items()},
                  os.path.join(OUT, "audio-proj", "diffusion_pytorch_model.safetensors"))
        with open(os.path.join(OUT, "audio-proj", "config.json"), "w", encoding="utf-8") as handle:
            json.dump({"seq_len": 5, "blocks": 2, "channels": 32, "intermediate_dim": 24, "output_dim": 8,
                       "context_tokens": 4}, handle, indent=1)
            handle.write("\n")
        with torch.no_grad():
            windows = process_audio_emb(windows_source)
            tokens = projection(windows[None])[0]
        save_file({"audio_windows": windows.contiguous(), "audio_tokens": tokens.contiguous()},
                  os.path.join(OUT, "audio-proj-expected.safetensors"))

        # transformers' defaults are wav2vec2-base-960h's architecture; the config as that checkpoint has it
        # (a CTC model with a 32-letter vocabulary), for the loader test.
        with open(os.path.join(OUT, "base-960h-config.json"), "w", encoding="utf-8") as handle:
            handle.write(Wav2Vec2Config(architectures=["Wav2Vec2ForCTC"], vocab_size=32).to_json_string())


if __name__ == "__main__":
    main()
