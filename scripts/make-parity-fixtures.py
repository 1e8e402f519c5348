#!/usr/bin/env python3
"""Builds the Renderer parity fixtures from the PyTorch reference stack.

Writes small inputs and expected outputs so the Swift tests can check without Python the tensor operations and
safetensors dtype conversion (under Tests/TensorsTests/Fixtures/), the CLIP tokenizer (under
Tests/CLIPTokenizationTests/Fixtures/), and DDIM, DPM-Solver++, classifier-free guidance, the CLIP text encoder and the
whole `tbd render sample` loop (tiny pipeline, progressive guidance) (under Tests/RendererTests/Fixtures/). With
--bench-model DIR it instead writes a full-size SD1.5 text encoder with random weights (about 500 MB, never
committed) for scripts/bench/50-renderer.sh.

Environment (versions pinned; see docs/renderer.md):
    python3 -m venv .venv
    .venv/bin/pip install 'torch==2.13.0+cpu' 'diffusers==0.42.1' 'transformers==5.24.0' 'safetensors==0.8.0' 'numpy==2.4.6'
    .venv/bin/python scripts/make-parity-fixtures.py
"""
import argparse
import json
import os

import numpy as np
import torch
import diffusers
from safetensors.torch import save_file
from diffusers import DDIMScheduler, DPMSolverMultistepScheduler, UNet2DConditionModel
from diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion import rescale_noise_cfg
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

from tbdref import versions
from tbdref.fixtures import RENDERER as FIXTURES, ROOT, TENSORS
from tbdref.tensors import float32_contiguous, perturb

PINNED = {"torch": "2.13.0+cpu", "diffusers": "0.42.1", "transformers": "5.24.0", "safetensors": "0.8.0"}
# The tokenizer is tested in its own target, which links neither the renderer nor OpenBLAS.
TOKENIZER_FIXTURES = os.path.join(ROOT, "Tests", "CLIPTokenizationTests", "Fixtures")
MERGES = os.path.join(ROOT, "Resources", "clip-merges.txt")


# --- tensor operations -------------------------------------------------------------------------------------

def make_ops() -> None:
    g = torch.Generator().manual_seed(1)
    r = lambda *shape: torch.randn(*shape, generator=g)
    t = {}
    x, w, b = r(2, 5, 24), r(16, 24), r(16)
    t.update({"linear.x": x, "linear.w": w, "linear.b": b, "linear.out": torch.nn.functional.linear(x, w, b)})
    a, m = r(3, 7, 9), r(9, 11)
    t.update({"matmul.a": a, "matmul.b": m, "matmul.out": a @ m})

    def attention(q, k, v, heads, causal):
        bsz, lq, width = q.shape
        split = lambda y: y.view(bsz, y.shape[1], heads, width // heads).transpose(1, 2)
        out = torch.nn.functional.scaled_dot_product_attention(split(q), split(k), split(v), is_causal=causal)
        return out.transpose(1, 2).reshape(bsz, lq, width)

    q, k, v = r(2, 10, 32), r(2, 10, 32), r(2, 10, 32)
    t.update({"self_attention.q": q, "self_attention.k": k, "self_attention.v": v,
              "self_attention.out": attention(q, k, v, 4, True)})
    q, k, v = r(2, 9, 24), r(2, 6, 24), r(2, 6, 24)
    t.update({"cross_attention.q": q, "cross_attention.k": k, "cross_attention.v": v,
              "cross_attention.out": attention(q, k, v, 3, False)})
    s = r(4, 13) * 5
    t.update({"softmax.x": s, "softmax.out": torch.softmax(s, dim=-1)})
    x, w, b = r(3, 4, 20) * 3 + 1, r(20), r(20)
    t.update({"layer_norm.x": x, "layer_norm.w": w, "layer_norm.b": b,
              "layer_norm.out": torch.nn.functional.layer_norm(x, (20,), w, b, 1e-5)})
    x, w, b = r(2, 8, 5, 6) * 2 + 0.5, r(8), r(8)
    t.update({"group_norm.x": x, "group_norm.w": w, "group_norm.b": b,
              "group_norm.out": torch.nn.functional.group_norm(x, 4, w, b, 1e-6)})
    x = r(2, 3, 9, 8)
    for name, (out_ch, kernel, stride, padding) in {"conv3x3": (5, 3, 1, 1), "conv3x3s2": (4, 3, 2, 1),
                                                      "conv1x1": (6, 1, 1, 0), "conv2x2": (2, 2, 1, 0)}.items():
        w, b = r(out_ch, 3, kernel, kernel), r(out_ch)
        t.update({f"{name}.w": w, f"{name}.b": b,
                  f"{name}.out": torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)})
    t["conv.x"] = x
    x = r(3, 17) * 3
    t.update({"act.x": x, "act.silu": torch.nn.functional.silu(x), "act.gelu": torch.nn.functional.gelu(x),
              "act.quick_gelu": x * torch.sigmoid(1.702 * x)})
    x = r(2, 3, 12)
    hidden, gate = x.chunk(2, dim=-1)
    t.update({"geglu.x": x, "geglu.out": hidden * torch.nn.functional.gelu(gate)})
    x = r(1, 2, 3, 4)
    t.update({"upsample.x": x, "upsample.out": torch.nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")})
    table = r(10, 4)
    ids = torch.tensor([3, 0, 9, 3])
    t.update({"embedding.table": table, "embedding.ids": ids.float(),
              "embedding.out": torch.nn.functional.embedding(ids, table)})
    save_file(float32_contiguous(t), os.path.join(TENSORS, "ops.safetensors"))


def make_dtypes() -> None:
    special = torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1e-5, 5.96e-8, 1e-7, float("inf"), float("-inf"), 3.14159, -1e4])
    tensors = {"f32": special.clone(), "f16": special.to(torch.float16), "bf16": special.to(torch.bfloat16),
               "f16_as_f32": special.to(torch.float16).float(), "bf16_as_f32": special.to(torch.bfloat16).float(),
               "i64": torch.arange(6, dtype=torch.int64).reshape(2, 3), "empty": torch.zeros(0, 3)}
    save_file(tensors, os.path.join(TENSORS, "dtypes.safetensors"), metadata={"source": "make-parity-fixtures.py"})


# --- DDIM and guidance -------------------------------------------------------------------------------------

SD15 = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
            set_alpha_to_one=False, steps_offset=1)
DDIM_CASES = [
    ("sd15-leading-epsilon", dict(SD15, timestep_spacing="leading", prediction_type="epsilon"), 50, 0.0),
    ("sd15-trailing-epsilon", dict(SD15, timestep_spacing="trailing", prediction_type="epsilon"), 40, 0.0),
    ("sd15-linspace-epsilon", dict(SD15, timestep_spacing="linspace", prediction_type="epsilon"), 30, 0.0),
    ("sd15-leading-v", dict(SD15, timestep_spacing="leading", prediction_type="v_prediction"), 25, 0.0),
    ("sd15-trailing-v", dict(SD15, timestep_spacing="trailing", prediction_type="v_prediction"), 7, 0.0),
    ("sd15-linspace-v", dict(SD15, timestep_spacing="linspace", prediction_type="v_prediction"), 12, 0.0),
    ("sd15-leading-sample", dict(SD15, timestep_spacing="leading", prediction_type="sample"), 20, 0.0),
    ("sd15-trailing-sample", dict(SD15, timestep_spacing="trailing", prediction_type="sample"), 3, 0.0),
    ("sd15-linspace-sample", dict(SD15, timestep_spacing="linspace", prediction_type="sample"), 9, 0.0),
    ("hallo-zero-snr-trailing-v", dict(beta_start=0.00085, beta_end=0.012, beta_schedule="linear", clip_sample=False,
                                       set_alpha_to_one=True, steps_offset=1, rescale_betas_zero_snr=True,
                                       timestep_spacing="trailing", prediction_type="v_prediction"), 40, 0.0),
    ("cosine-clip-eta", dict(beta_schedule="squaredcos_cap_v2", clip_sample=True, clip_sample_range=1.5,
                             set_alpha_to_one=True, timestep_spacing="leading", prediction_type="epsilon"), 10, 0.5),
    ("defaults-linear-eta1", dict(), 15, 1.0),
    ("threshold-linspace", dict(SD15, thresholding=True, sample_max_value=1.8, dynamic_thresholding_ratio=0.9,
                                timestep_spacing="linspace", prediction_type="epsilon"), 6, 0.0),
    ("sd15-leading-one-step", dict(SD15, timestep_spacing="leading", prediction_type="epsilon"), 1, 0.0),
]


def make_ddim() -> None:
    g = torch.Generator().manual_seed(7)
    tensors, cases = {}, []
    for index, (name, config, steps, eta) in enumerate(DDIM_CASES):
        scheduler = DDIMScheduler(**config)
        scheduler.set_timesteps(steps)
        timesteps = [int(v) for v in scheduler.timesteps]
        chosen = sorted(set([0, len(timesteps) // 2, len(timesteps) - 1]))
        prefix = f"case{index}"
        tensors[f"{prefix}.alphas_cumprod"] = scheduler.alphas_cumprod.clone()
        for j in chosen:
            timestep = timesteps[j]
            sample, output, noise = (torch.randn(1, 4, 3, 5, generator=g) * s for s in (1.3, 1.0, 1.0))
            result = scheduler.step(output, timestep, sample, eta=eta, variance_noise=noise if eta > 0 else None)
            tensors.update({f"{prefix}.step{j}.sample": sample, f"{prefix}.step{j}.model_output": output,
                            f"{prefix}.step{j}.noise": noise, f"{prefix}.step{j}.prev_sample": result.prev_sample,
                            f"{prefix}.step{j}.pred_original_sample": result.pred_original_sample})
        original, noise = torch.randn(2, 4, 3, 3, generator=g), torch.randn(2, 4, 3, 3, generator=g)
        t_noise = timesteps[len(timesteps) // 2]
        tensors.update({f"{prefix}.add_noise.original": original, f"{prefix}.add_noise.noise": noise,
                        f"{prefix}.add_noise.out": scheduler.add_noise(original, noise, torch.tensor([t_noise]))})
        config_used = {key: value for key, value in scheduler.config.items() if not key.startswith("_")}
        cases.append({"name": name, "config": config_used, "steps": steps, "eta": eta,
                      "timesteps": timesteps, "checked_steps": chosen, "add_noise_timestep": t_noise,
                      "final_alpha_cumprod": float(scheduler.final_alpha_cumprod)})
    save_file(float32_contiguous(tensors), os.path.join(FIXTURES, "ddim.safetensors"))
    with open(os.path.join(FIXTURES, "ddim.json"), "w") as out:
        json.dump({"cases": cases}, out, indent=1, default=lambda v: list(v) if isinstance(v, tuple) else str(v))


def make_cfg() -> None:
    g = torch.Generator().manual_seed(11)
    uncond, cond = torch.randn(2, 4, 6, 6, generator=g), torch.randn(2, 4, 6, 6, generator=g) * 1.7 + 0.2
    tensors = {"uncond": uncond, "cond": cond}
    for scale in (1.0, 3.5, 7.5):
        guided = uncond + scale * (cond - uncond)
        tensors[f"scale{scale}"] = guided
        for phi in (0.0, 0.7, 1.0):
            tensors[f"scale{scale}.rescale{phi}"] = rescale_noise_cfg(guided, cond, guidance_rescale=phi)
    save_file(float32_contiguous(tensors), os.path.join(FIXTURES, "cfg.safetensors"))


# --- CLIP tokenizer and text encoder -----------------------------------------------------------------------

def bytes_to_unicode():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) + \
        list(range(ord("\u00ae"), ord("\u00ff") + 1))
    codes = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return dict(zip(printable, [chr(c) for c in codes]))


def reference_tokenizer() -> CLIPTokenizer:
    lines = open(MERGES, encoding="utf-8").read().split("\n")
    merges = [tuple(line.split(" ")) for line in lines[1:] if line]
    symbols = list(bytes_to_unicode().values())
    tokens = symbols + [s + "</w>" for s in symbols] + ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    assert len(tokens) == 49408
    tokenizer = CLIPTokenizer(vocab={tok: i for i, tok in enumerate(tokens)}, merges=merges)
    golden = {"a photo of a cat": [49406, 320, 1125, 539, 320, 2368, 49407], "": [49406, 49407],
              "don't worry": [49406, 847, 713, 7534, 49407]}
    for text, ids in golden.items():
        assert tokenizer(text)["input_ids"] == ids, (text, tokenizer(text)["input_ids"])
    return tokenizer


def prompt_corpus():
    facs = json.load(open(os.path.join(ROOT, "Resources", "facs.json"), encoding="utf-8"))
    prompts = []
    for code in facs["codes"]:
        prompts.append(code["name"])
        prompts.extend(code["muscles"])
        prompts.append(f"AU{code['code']}: {code['name']} ({', '.join(code['muscles'])})")
    prompts += [
        "a photo of a cat", "", " ", "don't worry", "DON'T WORRY, IT'S FINE", "I'm we're they've you'll he'd",
        "'s 't 're", "rock'n'roll", "''quoted''", "hello, world!", "what?!... really???", "(parentheses) [brackets] {braces}",
        "AU12+AU6, R12A; L14B", "12345 67890", "3.14159", "1/2 + 3/4 = 5/4", "50% off!!!", "#hashtag @mention $100",
        "e-mail: test@example.com", "snake_case and kebab-case", "tab\tseparated\twords", "new\nline\r\nbreaks",
        "   leading and trailing   ", "multiple     spaces", "non\u00a0breaking\u2003em\u3000ideographic",
        "zero\u200bwidth", "caf\u00e9 na\u00efve r\u00e9sum\u00e9", "cafe\u0301 decomposed", "Stra\u00dfe GROSS",
        "\u00c5ngstr\u00f6m \u00d8resund", "\u0395\u039b\u039b\u0397\u039d\u0399\u039a\u0391 \u039f\u0394\u039f\u03a3",
        "\u043f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
        "\u4e2d\u6587\u63d0\u793a", "\ud55c\uad6d\uc5b4", "\u0627\u0644\u0639\u0631\u0628\u064a\u0629",
        "emoji \U0001F600\U0001F622\U0001F620", "\U0001F44D\U0001F3FD thumbs", "\u2164 roman \u00bd half \u00b2",
        "\u0130stanbul \u0131", "\ufb01 ligature", "smart \u201cquotes\u201d and \u2018apostrophes\u2019",
        "em\u2014dash en\u2013dash", "a<|endoftext|>b", "<|startoftext|>x", "<|ENDOFTEXT|>", "&amp; &lt;b&gt;",
        "\u00ff\u00fe control\x01char", "a" * 40, "supercalifragilisticexpialidocious",
        "a close-up portrait of a young woman with a gentle smile, cheeks raised, crow's feet at the eyes",
        "fear: brows raised and drawn together, upper eyelids raised, lower eyelids tensed, lips stretched",
    ]
    long_prompt = ("a highly detailed photograph of a person showing intense surprise with raised brows, widened eyes "
                   "and a dropped jaw, studio lighting, 85mm lens, shallow depth of field, ") * 3
    prompts += [long_prompt, long_prompt.upper(), " ".join(str(i) for i in range(60)), "word " * 80]
    seen, unique = set(), []
    for p in prompts:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


def make_tokenizer_cases(tokenizer) -> None:
    cases = []
    for text in prompt_corpus():
        padded = tokenizer(text, padding="max_length", max_length=77, truncation=True)["input_ids"]
        full = tokenizer(text)["input_ids"]
        cases.append({"text": text, "ids": padded, "token_count": len(full)})
    assert len(cases) >= 200, len(cases)
    with open(os.path.join(TOKENIZER_FIXTURES, "tokenizer-cases.json"), "w", encoding="utf-8") as out:
        json.dump({"cases": cases}, out, ensure_ascii=True, indent=0)


def tiny_text_model(folder, vocab, hidden, heads, inner, layers, act, dtype, eos, seed):
    torch.manual_seed(seed)
    config = CLIPTextConfig(vocab_size=vocab, hidden_size=hidden, intermediate_size=inner, num_hidden_layers=layers,
                            num_attention_heads=heads, max_position_embeddings=77, hidden_act=act,
                            eos_token_id=eos, bos_token_id=min(49406, vocab - 2) if eos != 2 else 0)
    model = CLIPTextModel(config).eval()
    with torch.no_grad():  # widen the default init so layer norms see non-trivial inputs
        for parameter in model.parameters():
            parameter.normal_(0, 0.3)
    model = model.to(dtype).to(torch.float32)  # the reference runs on exactly the stored weights
    model.to(dtype).save_pretrained(folder)
    return model.to(torch.float32)


def make_text_encoder(tokenizer) -> None:
    pipeline = os.path.join(FIXTURES, "tiny-pipeline")
    os.makedirs(os.path.join(pipeline, "scheduler"), exist_ok=True)
    with open(os.path.join(pipeline, "model_index.json"), "w") as out:
        json.dump({"_class_name": "StableDiffusionPipeline", "_diffusers_version": diffusers.__version__,
                   "text_encoder": ["transformers", "CLIPTextModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
                   "scheduler": ["diffusers", "DDIMScheduler"], "unet": ["diffusers", "UNet2DConditionModel"],
                   "safety_checker": [None, None]}, out, indent=2)
    DDIMScheduler(**SD15).save_config(os.path.join(pipeline, "scheduler"))
    model = tiny_text_model(os.path.join(pipeline, "text_encoder"), 49408, 8, 2, 16, 3, "quick_gelu", torch.float16, 2, 3)
    prompts = ["a photo of a cat", "", "fear: brows raised and drawn together, lips stretched"]
    ids = torch.tensor([tokenizer(p, padding="max_length", max_length=77, truncation=True)["input_ids"] for p in prompts])
    with torch.no_grad():
        out = model(ids, output_hidden_states=True)
    tensors = {"ids": ids.float(), "last_hidden_state": out.last_hidden_state, "pooled": out.pooler_output,
               "penultimate": out.hidden_states[-2],
               "clip_skip1": getattr(model, "text_model", model).final_layer_norm(out.hidden_states[-2])}

    gelu = tiny_text_model(os.path.join(FIXTURES, "tiny-clip-gelu"), 1000, 12, 3, 20, 2, "gelu", torch.bfloat16, 999, 5)
    small_ids = torch.tensor([[5, 17, 400, 999, 999, 999, 999], [998, 3, 3, 1, 0, 999, 999]])
    with torch.no_grad():
        out = gelu(small_ids)
    tensors.update({"gelu.ids": small_ids.float(), "gelu.last_hidden_state": out.last_hidden_state,
                    "gelu.pooled": out.pooler_output})
    save_file(float32_contiguous(tensors), os.path.join(FIXTURES, "clip-text-expected.safetensors"))
    with open(os.path.join(FIXTURES, "clip-text-prompts.json"), "w") as out:
        json.dump({"prompts": prompts}, out, indent=1)


# --- DPM-Solver++ -------------------------------------------------------------------------------------------

HALLO = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="linear", clip_sample=False, set_alpha_to_one=True,
             steps_offset=1, rescale_betas_zero_snr=True, timestep_spacing="trailing", prediction_type="v_prediction")
# Each config is what a checkpoint's scheduler_config.json would hold (DDIM's keys included, which DPM-Solver++
# ignores); the scheduler is built as DPMSolverMultistepScheduler.from_config(config, algorithm_type="dpmsolver++",
# solver_order=2), the way `tbd render --sampler dpm++2m` builds it.
DPM_CASES = [
    ("sd15-leading-epsilon", dict(SD15, timestep_spacing="leading", prediction_type="epsilon"), 20),
    ("sd15-leading-epsilon-karras", dict(SD15, timestep_spacing="leading", use_karras_sigmas=True), 10),
    ("hallo-zero-snr-trailing-v", HALLO, 12),
    ("hallo-zero-snr-trailing-v-karras", dict(HALLO, use_karras_sigmas=True), 25),
    ("defaults-linspace-sample-heun", dict(prediction_type="sample", solver_type="heun"), 8),
    ("cosine-clipped-sigma-min", dict(beta_schedule="squaredcos_cap_v2", lambda_min_clipped=-5.1,
                                      final_sigmas_type="sigma_min", lower_order_final=False), 16),
    ("sd15-threshold-euler-final", dict(SD15, thresholding=True, sample_max_value=1.5, euler_at_final=True,
                                        timestep_spacing="trailing"), 5),
    ("sd15-one-step", dict(SD15, timestep_spacing="leading"), 1),
]


def make_dpm() -> None:
    """Timesteps, sigmas and a whole run of steps per configuration (the multistep history matters, so every step
    of the run is recorded, fed with given model outputs), plus add_noise at the middle step."""
    g = torch.Generator().manual_seed(13)
    tensors, cases = {}, []
    for index, (name, config, steps) in enumerate(DPM_CASES):
        scheduler = DPMSolverMultistepScheduler.from_config(config, algorithm_type="dpmsolver++", solver_order=2)
        scheduler.set_timesteps(steps)
        timesteps = [int(v) for v in scheduler.timesteps]
        prefix = f"case{index}"
        tensors[f"{prefix}.alphas_cumprod"] = scheduler.alphas_cumprod.clone()
        tensors[f"{prefix}.sigmas"] = scheduler.sigmas.clone()
        sample = torch.randn(1, 4, 3, 5, generator=g)
        tensors[f"{prefix}.sample"] = sample
        for j, t in enumerate(scheduler.timesteps):
            output = torch.randn(1, 4, 3, 5, generator=g)
            sample = scheduler.step(output, t, sample).prev_sample
            tensors.update({f"{prefix}.step{j}.model_output": output, f"{prefix}.step{j}.prev_sample": sample})
        fresh = DPMSolverMultistepScheduler.from_config(config, algorithm_type="dpmsolver++", solver_order=2)
        fresh.set_timesteps(steps)
        middle = fresh.index_for_timestep(fresh.timesteps[len(timesteps) // 2])
        original, noise = torch.randn(1, 4, 3, 3, generator=g), torch.randn(1, 4, 3, 3, generator=g)
        tensors.update({f"{prefix}.add_noise.original": original, f"{prefix}.add_noise.noise": noise,
                        f"{prefix}.add_noise.out": fresh.add_noise(original, noise, fresh.timesteps[middle:middle + 1])})
        cases.append({"name": name, "config": config, "steps": steps, "timesteps": timesteps,
                      "add_noise_step": middle, "init_noise_sigma": float(scheduler.init_noise_sigma)})
    save_file(float32_contiguous(tensors), os.path.join(FIXTURES, "dpm.safetensors"))
    with open(os.path.join(FIXTURES, "dpm.json"), "w") as out:
        json.dump({"cases": cases}, out, indent=1)


# --- the render sample loop ----------------------------------------------------------------------------------

TINY_UNET = dict(block_out_channels=(8, 16), down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                 up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), layers_per_block=1, attention_head_dim=2,
                 cross_attention_dim=8, norm_num_groups=4, sample_size=8)
# name, sampler, karras, prompts (coarse first), negative, steps, splits, mode, alpha_max, alpha_min, cfg
SAMPLE_RUNS = [
    ("ddim-paper", "ddim", False, ["a face", "a smiling face, cheeks raised"], "", 6, [0.5], "paper", 1.0, 0.5, 3.5),
    ("dpm-paper-three-stages", "dpm++2m", False, ["a face", "a frowning face", "brows lowered and drawn together, lips pressed"],
     "blurry", 8, [0.3, 0.6], "paper", 0.9, 0.3, 5.0),
    ("dpm-karras-paper", "dpm++2m", True, ["a face", "a surprised face"], "", 7, [0.4], "paper", 1.0, 0.5, 3.5),
]


def algorithm_weights(step, steps, splits, mode, alpha_max, alpha_min):
    """The paper's Algorithms 1-2 for k stages (t counted from the start of denoising; stage j blends with the
    next stage's prompt, the last stage with the previous one), and the smooth and hard modes."""
    bounds = [0] + [round(s * steps) for s in splits] + [steps]
    k = len(bounds) - 1
    j = max(i for i in range(k) if bounds[i] <= step)
    weights = [0.0] * k
    if mode == "hard":
        weights[j] = 1.0
    elif mode == "smooth":
        if j == k - 1:
            weights[j] = 1.0
        else:
            length = bounds[j + 1] - bounds[j]
            weights[j], weights[j + 1] = (bounds[j + 1] - step) / length, (step - bounds[j]) / length
    else:
        p = (step - bounds[j]) / (bounds[j + 1] - bounds[j])
        alpha = alpha_max - p * (alpha_max - alpha_min)
        weights[j] = alpha
        weights[j + 1 if j < k - 1 else j - 1] += 1 - alpha
    return weights


def make_sample_loop(tokenizer) -> None:
    """A tiny UNet beside the tiny pipeline's text encoder, and reference loops of `tbd render sample`: prompts
    encoded by the pipeline's text encoder, embeddings blended per step, CFG, DDIM or DPM-Solver++ steps."""
    pipeline = os.path.join(FIXTURES, "tiny-pipeline")
    torch.manual_seed(600)
    unet = perturb(UNet2DConditionModel(**TINY_UNET), 601)  # default init leaves norms at 1/0 and some layers tiny
    unet.to(torch.float16).save_pretrained(os.path.join(pipeline, "unet"), safe_serialization=True)
    unet = unet.to(torch.float32).eval()  # the reference runs on exactly the stored (rounded) weights
    encoder = CLIPTextModel.from_pretrained(os.path.join(pipeline, "text_encoder")).to(torch.float32).eval()
    config = dict(DDIMScheduler.load_config(os.path.join(pipeline, "scheduler")))

    def embed(prompt):
        ids = torch.tensor([tokenizer(prompt, padding="max_length", max_length=77, truncation=True)["input_ids"]])
        with torch.no_grad():
            return encoder(ids).last_hidden_state

    noise = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(602))
    save_file({"noise": noise.contiguous()}, os.path.join(FIXTURES, "render-sample-noise.safetensors"))
    tensors, runs = {}, []
    for name, sampler, karras, prompts, negative, steps, splits, mode, alpha_max, alpha_min, cfg in SAMPLE_RUNS:
        if sampler == "ddim":
            scheduler = DDIMScheduler.from_config(config)
        else:
            scheduler = DPMSolverMultistepScheduler.from_config(dict(config, use_karras_sigmas=karras),
                                                                algorithm_type="dpmsolver++", solver_order=2)
        scheduler.set_timesteps(steps)
        stages = [embed(p) for p in prompts]
        uncond = embed(negative)
        latents = noise * scheduler.init_noise_sigma
        weights = []
        for i, t in enumerate(scheduler.timesteps):
            w = algorithm_weights(i, len(scheduler.timesteps), splits, mode, alpha_max, alpha_min)
            weights.append(w)
            condition = sum(weight * stage for weight, stage in zip(w, stages))
            with torch.no_grad():
                both = unet(torch.cat([latents, latents]), t, encoder_hidden_states=torch.cat([uncond, condition])).sample
            out_uncond, out_cond = both.chunk(2)
            latents = scheduler.step(out_uncond + cfg * (out_cond - out_uncond), t, latents).prev_sample
        tensors[f"{name}.latents"] = latents
        runs.append({"name": name, "sampler": sampler, "karras": karras, "prompts": prompts, "negative": negative,
                     "steps": steps, "splits": splits, "mode": mode, "alpha_max": alpha_max, "alpha_min": alpha_min,
                     "cfg": cfg, "timesteps": [int(t) for t in scheduler.timesteps], "weights": weights})
    save_file(float32_contiguous(tensors), os.path.join(FIXTURES, "render-sample.safetensors"))
    with open(os.path.join(FIXTURES, "render-sample.json"), "w") as out:
        json.dump({"noise": "render-sample-noise.safetensors", "model": "tiny-pipeline", "runs": runs}, out, indent=1)


def make_bench_model(folder) -> None:
    """SD1.5's text encoder shape (ViT-L/14 text tower) with random weights, plus PyTorch timing helper input."""
    torch.manual_seed(0)
    config = CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                            num_attention_heads=12, max_position_embeddings=77, hidden_act="quick_gelu",
                            eos_token_id=2, bos_token_id=0)
    CLIPTextModel(config).eval().save_pretrained(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench-model", metavar="DIR", help="write the full-size random text encoder there and stop")
    args = parser.parse_args()
    versions.require(PINNED)
    if args.bench_model:
        make_bench_model(args.bench_model)
        return
    os.makedirs(FIXTURES, exist_ok=True)
    os.makedirs(TENSORS, exist_ok=True)
    os.makedirs(TOKENIZER_FIXTURES, exist_ok=True)
    torch.set_num_threads(1)
    make_ops()
    make_dtypes()
    make_ddim()
    make_cfg()
    make_dpm()
    tokenizer = reference_tokenizer()
    make_tokenizer_cases(tokenizer)
    make_text_encoder(tokenizer)
    make_sample_loop(tokenizer)
    for folder in (FIXTURES, TOKENIZER_FIXTURES):
        with open(os.path.join(folder, "VERSIONS.json"), "w") as out:
            json.dump(PINNED, out, indent=1)


if __name__ == "__main__":
    main()
