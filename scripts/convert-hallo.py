#!/usr/bin/env python3
"""Converts Hallo's released `pretrained_models/` into a talking checkpoint folder (safetensors only).

    python scripts/convert-hallo.py --pretrained pretrained_models --out talking-hallo [--unet-config unet.yaml]
    python scripts/convert-hallo.py --pretrained pretrained_models --out talking-init --init-from-components

Input (laid out as Hallo's `pretrained_models/`, https://huggingface.co/fudan-generative-ai/hallo):
  hallo/net.pth                      one pickle: `reference_unet.`, `denoising_unet.` (motion and audio modules
                                     included), `face_locator.`, `imageproj.`, `audioproj.`
  motion_module/mm_sd_v15_v2.ckpt    AnimateDiff v2 motion modules (only read with --init-from-components)
  stable-diffusion-v1-5/             unet/config.json (+ weights with --init-from-components), text_encoder/, tokenizer/
  sd-vae-ft-mse/                     the VAE
  wav2vec/wav2vec2-base-960h/        the audio encoder
`--unet-config` is Hallo's `configs/unet/unet.yaml`; without it the values of Hallo's released file are used.
Pickles are read with `torch.load(..., weights_only=True)` (scripts/tbdref/pickles.py): nothing in them is executed.

Output (the "talking checkpoint", format 1):
  model_index.json     {"_class_name": "TalkingHeadPipeline", "_tbd_format": 1, component: [library, class], ...}
  reference_unet/      config.json (SD1.5's UNet config) + diffusion_pytorch_model.safetensors (ReferenceNet; as in
                       Hallo it has no conv_norm_out/conv_out: only its attention inputs are ever read)
  denoising_unet/      config.json = SD1.5's UNet config with every key of Hallo's `unet_additional_kwargs` merged
                       at top level, + diffusion_pytorch_model.safetensors: Hallo's UNet3DConditionModel state dict
                       under Hallo's own names (motion_modules.*, audio_modules.*). A block whose name (down/mid/up)
                       is in stack_enable_blocks_name and whose depth is in stack_enable_blocks_depth has the masked
                       audio attention (attn2_0/1/2 + zero_conv_full/face/lip), every other block the single
                       attn2 (its zero_conv_* weights are kept, as Hallo keeps them, and are unused).
  audio_proj/          config.json (AudioProjModel's constructor arguments) + diffusion_pytorch_model.safetensors
  audio_encoder/       config.json, model.safetensors, preprocessor_config.json (transformers' wav2vec2)
  vae/, text_encoder/, tokenizer/   copied as in a diffusers SD1.5 folder (pickled weights become safetensors)
  scheduler/           scheduler_config.json: Hallo's DDIM (v_prediction, zero-SNR, trailing, linear betas)
Tensors keep the dtype they are stored in (an F16 net.pth gives F16 UNets); audio weights that --init-from-components
creates take the SD UNet's dtype (audio_proj: F32). Hallo's face locator and image projection are dropped: in
Think-Before-Draw the face-embedding tokens are replaced by the CLIP text embedding, so the denoiser's
cross-attention reads the text encoder's output. The folder is written as `.NAME.partial-XXXXXXXX` beside --out
and renamed to --out at the end: a refused or failed conversion removes that folder, its own, and nothing else.

With --init-from-components no net.pth is needed: the paper's initialisation. ReferenceNet and denoiser start from
SD1.5's UNet, the motion modules from the AnimateDiff checkpoint, wav2vec2 from its folder; the audio modules and
the audio projection are initialised as Hallo's constructors do (PyTorch's default uniform fan-in init, LayerNorm
and GroupNorm at one/zero, zero_conv_* at zero) unless hallo/net.pth is present, which then supplies `audioproj.`
and the denoiser's `audio_modules.` weights. The output says which part came from which file.

No trained Think-Before-Draw weights are public: a converted Hallo checkpoint renders with Hallo's face-embedding
training behind a text-conditioned cross-attention, and --init-from-components gives the untrained starting point.
"""
import argparse
import contextlib
import json
import math
import os
import shutil
import sys
import tempfile

from tbdref.pickles import UnreadablePickle, load_state_dict as load_pickle

FORMAT = 1
# Hallo's configs/unet/unet.yaml (commit 8fd7c57), `unet_additional_kwargs`.
HALLO_UNET_DEFAULTS = {
    "use_inflated_groupnorm": True,
    "unet_use_cross_frame_attention": False,
    "unet_use_temporal_attention": False,
    "use_motion_module": True,
    "use_audio_module": True,
    "motion_module_resolutions": [1, 2, 4, 8],
    "motion_module_mid_block": True,
    "motion_module_decoder_only": False,
    "motion_module_type": "Vanilla",
    "motion_module_kwargs": {
        "num_attention_heads": 8,
        "num_transformer_block": 1,
        "attention_block_types": ["Temporal_Self", "Temporal_Self"],
        "temporal_position_encoding": True,
        "temporal_position_encoding_max_len": 32,
        "temporal_attention_dim_div": 1,
    },
    "audio_attention_dim": 768,
    "stack_enable_blocks_name": ["up", "down", "mid"],
    "stack_enable_blocks_depth": [0, 1, 2, 3],
}
# The AudioProjModel that Hallo's scripts/inference.py builds.
HALLO_AUDIO_PROJ = {"seq_len": 5, "blocks": 12, "channels": 768, "intermediate_dim": 512, "output_dim": 768,
                    "context_tokens": 32}
HALLO_SCHEDULER = {
    "_class_name": "DDIMScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
    "beta_schedule": "linear", "trained_betas": None, "clip_sample": False, "clip_sample_range": 1.0,
    "set_alpha_to_one": True, "steps_offset": 1, "prediction_type": "v_prediction", "thresholding": False,
    "dynamic_thresholding_ratio": 0.995, "sample_max_value": 1.0, "timestep_spacing": "trailing",
    "rescale_betas_zero_snr": True,
}
# Hallo's UNet3DConditionModel always builds these four levels, whatever the SD config names.
DOWN_BLOCKS_2D = ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"]
UP_BLOCKS_2D = ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]
MOTION_GROUP_NORM_GROUPS = 32  # VanillaTemporalModule never passes the UNet's norm_num_groups on


class ConversionError(Exception):
    pass


def log(message):
    print(message, flush=True)


def require_file(path):
    if not os.path.isfile(path):
        raise ConversionError(f"missing file: {path}")
    return path


def read_json(path):
    with open(require_file(path), encoding="utf-8") as handle:
        try:
            return json.load(handle)
        except json.JSONDecodeError as error:
            raise ConversionError(f"{path} is not valid JSON: {error}") from error


def write_json(value, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2, sort_keys=True)
        handle.write("\n")


def load_weights(folder, names):
    """The first weights file of NAMES present in FOLDER (safetensors or a pickle), as a state dict."""
    from safetensors.torch import load_file
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return (load_file(path) if name.endswith(".safetensors") else load_pickle(path)), path
    raise ConversionError(f"missing file: {os.path.join(folder, names[0])} (or {', '.join(names[1:])})")


def save_weights(state, path):
    from safetensors.torch import save_file
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file({key: value.detach().contiguous() for key, value in sorted(state.items())}, path,
              metadata={"format": "pt"})


def read_unet_config(path):
    """Hallo's unet_additional_kwargs from configs/unet/unet.yaml, missing keys from the released file."""
    settings = json.loads(json.dumps(HALLO_UNET_DEFAULTS))
    if path is None:
        return settings
    from omegaconf import OmegaConf
    try:
        loaded = OmegaConf.to_container(OmegaConf.load(require_file(path)), resolve=True)
    except ConversionError:
        raise
    except Exception as error:
        raise ConversionError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(loaded, dict) or not isinstance(loaded.get("unet_additional_kwargs"), dict):
        raise ConversionError(f"{path} has no `unet_additional_kwargs` mapping")
    settings.update(loaded["unet_additional_kwargs"])
    return settings


def check_sd_unet_config(config, path):
    for key in ["block_out_channels", "layers_per_block", "cross_attention_dim", "attention_head_dim",
                "norm_num_groups", "in_channels", "out_channels"]:
        if key not in config:
            raise ConversionError(f"{path}: key `{key}` missing")
    if len(config["block_out_channels"]) != 4:
        raise ConversionError(f"{path}: Hallo's denoiser has exactly 4 levels, block_out_channels is "
                              f"{config['block_out_channels']}")
    if config.get("down_block_types", DOWN_BLOCKS_2D) != DOWN_BLOCKS_2D or \
            config.get("up_block_types", UP_BLOCKS_2D) != UP_BLOCKS_2D:
        raise ConversionError(f"{path}: Hallo's denoiser needs SD1.5's block types {DOWN_BLOCKS_2D} / {UP_BLOCKS_2D}")
    if config.get("use_linear_projection", False):
        raise ConversionError(f"{path}: use_linear_projection is not SD1.5's layout")


REFERENCE_UNUSED = ("conv_norm_out.", "conv_out.")  # the ReferenceNet's output is never read: Hallo's has none


def reference_shapes(sd_config):
    """Parameter names and shapes of diffusers' UNet2DConditionModel for the SD config, built without memory."""
    import torch
    from diffusers import UNet2DConditionModel
    config = {key: value for key, value in sd_config.items() if not key.startswith("_")}
    with torch.device("meta"):
        model = UNet2DConditionModel.from_config(config)
    return {name: tuple(tensor.shape) for name, tensor in model.state_dict().items()}


def motion_module_shapes(prefix, channels, settings):
    kwargs = settings["motion_module_kwargs"]
    heads = kwargs.get("num_attention_heads", 8)
    inner = heads * (channels // heads // kwargs.get("temporal_attention_dim_div", 1))
    max_len = kwargs.get("temporal_position_encoding_max_len", 24)
    base = prefix + ".temporal_transformer."
    shapes = {base + "norm.weight": (channels,), base + "norm.bias": (channels,),
              base + "proj_in.weight": (inner, channels), base + "proj_in.bias": (inner,),
              base + "proj_out.weight": (channels, inner), base + "proj_out.bias": (channels,)}
    for block in range(kwargs.get("num_transformer_block", 2)):
        block_base = f"{base}transformer_blocks.{block}."
        for index, _ in enumerate(kwargs.get("attention_block_types", ["Temporal_Self", "Temporal_Self"])):
            attention = f"{block_base}attention_blocks.{index}."
            for projection in ["to_q", "to_k", "to_v"]:
                shapes[attention + projection + ".weight"] = (inner, inner)
            shapes[attention + "to_out.0.weight"] = (inner, inner)
            shapes[attention + "to_out.0.bias"] = (inner,)
            if kwargs.get("temporal_position_encoding", False):
                shapes[attention + "pos_encoder.pe"] = (1, max_len, inner)
            shapes[f"{block_base}norms.{index}.weight"] = (inner,)
            shapes[f"{block_base}norms.{index}.bias"] = (inner,)
        shapes[block_base + "ff.net.0.proj.weight"] = (inner * 8, inner)
        shapes[block_base + "ff.net.0.proj.bias"] = (inner * 8,)
        shapes[block_base + "ff.net.2.weight"] = (inner, inner * 4)
        shapes[block_base + "ff.net.2.bias"] = (inner,)
        shapes[block_base + "ff_norm.weight"] = (inner,)
        shapes[block_base + "ff_norm.bias"] = (inner,)
    return shapes


def is_masked(block_name, depth, settings):
    names = settings.get("stack_enable_blocks_name")
    depths = settings.get("stack_enable_blocks_depth")
    return names is not None and depths is not None and block_name in names and depth in depths


def audio_module_shapes(prefix, channels, inner, masked, settings):
    """An audio module: GroupNorm and 1x1 convolutions between the block's CHANNELS and the attention width INNER
    (Hallo sizes its heads from the resnet's input channels, so INNER can be narrower than CHANNELS)."""
    audio_dim = settings["audio_attention_dim"]
    base = prefix + "."
    shapes = {base + "norm.weight": (channels,), base + "norm.bias": (channels,),
              base + "proj_in.weight": (inner, channels, 1, 1), base + "proj_in.bias": (inner,),
              base + "proj_out.weight": (channels, inner, 1, 1), base + "proj_out.bias": (channels,)}
    block = base + "transformer_blocks.0."
    for conv in ["zero_conv_full", "zero_conv_face", "zero_conv_lip"]:
        shapes[f"{block}{conv}.weight"] = (inner, inner, 1, 1)
        shapes[f"{block}{conv}.bias"] = (inner,)
    for norm in ["norm1", "norm2", "norm3"]:
        shapes[f"{block}{norm}.weight"] = (inner,)
        shapes[f"{block}{norm}.bias"] = (inner,)
    attentions = {"attn1": inner}
    for name in (["attn2_0", "attn2_1", "attn2_2"] if masked else ["attn2"]):
        attentions[name] = audio_dim
    for name, context in attentions.items():
        shapes[f"{block}{name}.to_q.weight"] = (inner, inner)
        shapes[f"{block}{name}.to_k.weight"] = (inner, context)
        shapes[f"{block}{name}.to_v.weight"] = (inner, context)
        shapes[f"{block}{name}.to_out.0.weight"] = (inner, inner)
        shapes[f"{block}{name}.to_out.0.bias"] = (inner,)
    shapes[block + "ff.net.0.proj.weight"] = (inner * 8, inner)
    shapes[block + "ff.net.0.proj.bias"] = (inner * 8,)
    shapes[block + "ff.net.2.weight"] = (inner, inner * 4)
    shapes[block + "ff.net.2.bias"] = (inner,)
    return shapes


def denoiser_module_shapes(sd_config, settings):
    """Names and shapes of the motion and audio modules Hallo's UNet3DConditionModel adds, level by level."""
    channels = sd_config["block_out_channels"]
    layers = sd_config["layers_per_block"]
    heads = sd_config["attention_head_dim"]  # diffusers' SD1.5 name for the number of heads
    heads = heads if isinstance(heads, list) else [heads] * 4
    resolutions = settings.get("motion_module_resolutions", [1, 2, 4, 8])
    use_motion = settings.get("use_motion_module", False)
    use_audio = settings.get("use_audio_module", False)

    def inner(width, count):
        return count * (width // count)

    motion, audio = {}, {}
    for level in range(4):
        if use_motion and 2 ** level in resolutions and not settings.get("motion_module_decoder_only", False):
            for layer in range(layers):
                motion.update(motion_module_shapes(f"down_blocks.{level}.motion_modules.{layer}", channels[level],
                                                   settings))
        if use_audio and level < 3:  # the last down block (DownBlock3D) has no audio modules
            for layer in range(layers):
                resnet_input = (channels[max(level - 1, 0)] if layer == 0 else channels[level])
                audio.update(audio_module_shapes(f"down_blocks.{level}.audio_modules.{layer}", channels[level],
                                                 inner(resnet_input, heads[level]),
                                                 is_masked("down", level, settings), settings))
    if use_motion and settings.get("motion_module_mid_block", False):
        motion.update(motion_module_shapes("mid_block.motion_modules.0", channels[-1], settings))
    if use_audio:
        audio.update(audio_module_shapes("mid_block.audio_modules.0", channels[-1], inner(channels[-1], heads[-1]),
                                         is_masked("mid", 3, settings), settings))
    reversed_channels, reversed_heads = list(reversed(channels)), list(reversed(heads))
    for index in range(4):
        out_channels = reversed_channels[index]
        if use_motion and 2 ** (3 - index) in resolutions:
            for layer in range(layers + 1):
                motion.update(motion_module_shapes(f"up_blocks.{index}.motion_modules.{layer}", out_channels,
                                                   settings))
        if use_audio and index > 0:  # the first up block (UpBlock3D) has none
            block_input = reversed_channels[min(index + 1, 3)]
            for layer in range(layers + 1):
                audio.update(audio_module_shapes(f"up_blocks.{index}.audio_modules.{layer}", out_channels,
                                                 inner(block_input, reversed_heads[index]),
                                                 is_masked("up", 3 - index, settings), settings))
    return motion, audio


def audio_proj_shapes(config):
    input_dim = config["seq_len"] * config["blocks"] * config["channels"]
    middle, tokens, output = config["intermediate_dim"], config["context_tokens"], config["output_dim"]
    return {"proj1.weight": (middle, input_dim), "proj1.bias": (middle,), "proj2.weight": (middle, middle),
            "proj2.bias": (middle,), "proj3.weight": (tokens * output, middle), "proj3.bias": (tokens * output,),
            "norm.weight": (output,), "norm.bias": (output,)}


def check_part(state, shapes, part, source):
    """Refuses a part whose keys or shapes differ from what the configs build, naming the first differences."""
    missing = sorted(set(shapes) - set(state))
    unexpected = sorted(set(state) - set(shapes))
    wrong = sorted(key for key in set(shapes) & set(state) if tuple(state[key].shape) != tuple(shapes[key]))
    problems = []
    if missing:
        problems.append(f"{len(missing)} keys missing (first: {missing[0]})")
    if unexpected:
        problems.append(f"{len(unexpected)} keys not in the configured model (first: {unexpected[0]})")
    if wrong:
        key = wrong[0]
        problems.append(f"{len(wrong)} shapes differ from the configs (first: {key} is "
                        f"{list(state[key].shape)}, the configs give {list(shapes[key])})")
    if problems:
        raise ConversionError(f"{part} in {source}: " + "; ".join(problems))


def default_init(shapes, seed):
    """PyTorch's constructor defaults, as Hallo's modules get them: uniform(+-1/sqrt(fan_in)) for weights and
    biases of linear and conv layers, one/zero for norms, zero for the zero-initialised convolutions."""
    import torch
    generator = torch.Generator().manual_seed(seed)
    state = {}
    weights = {key: shape for key, shape in shapes.items() if key.endswith(".weight")}
    for key, shape in sorted(shapes.items()):
        leaf = key.rsplit(".", 2)[-2]
        if "zero_conv" in key:
            state[key] = torch.zeros(shape)
        elif leaf.startswith("norm") or leaf == "ff_norm":
            state[key] = torch.ones(shape) if key.endswith("weight") else torch.zeros(shape)
        elif key.endswith("pos_encoder.pe"):
            state[key] = sinusoid_table(shape[1], shape[2])
        else:
            weight_shape = weights[key[: -len("bias")] + "weight"] if key.endswith("bias") else shape
            bound = 1 / math.sqrt(math.prod(weight_shape[1:]))
            state[key] = (torch.rand(shape, generator=generator) * 2 - 1) * bound
    return state


def sinusoid_table(length, width):
    """AnimateDiff's positional encoding table, [1, length, width]."""
    import torch
    position = torch.arange(length).unsqueeze(1)
    frequencies = torch.exp(torch.arange(0, width, 2) * (-math.log(10000.0) / width))
    table = torch.zeros(1, length, width)
    table[0, :, 0::2] = torch.sin(position * frequencies)
    table[0, :, 1::2] = torch.cos(position * frequencies)
    return table


def split_prefixes(state, source):
    parts = {}
    for key, value in state.items():
        prefix, _, rest = key.partition(".")
        parts.setdefault(prefix, {})[rest] = value
    known = {"reference_unet", "denoising_unet", "face_locator", "imageproj", "audioproj"}
    unknown = sorted(set(parts) - known)
    if unknown:
        raise ConversionError(f"{source}: unknown key prefix `{unknown[0]}.` (expected {sorted(known)})")
    return parts


def copy_component(source, target, weights_names, out_weights):
    """A transformers/diffusers component folder: its JSON files copied, its weights written as safetensors."""
    if not os.path.isdir(source):
        raise ConversionError(f"missing folder: {source}")
    os.makedirs(target, exist_ok=True)
    for name in sorted(os.listdir(source)):
        if name.endswith((".json", ".txt")):
            shutil.copyfile(os.path.join(source, name), os.path.join(target, name))
    if weights_names:
        state, path = load_weights(source, weights_names)
        save_weights(state, os.path.join(target, out_weights))
        return path
    return source


@contextlib.contextmanager
def folder_written_beside(target):
    """A new folder beside TARGET, renamed to TARGET when the block completes and removed when it fails, so a
    refused conversion leaves no half folder. It is made here (mkdtemp, a name no one else has), so a failure
    removes only what this run wrote, never an older folder of any name."""
    target = os.path.abspath(target)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    work = tempfile.mkdtemp(dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.partial-")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(work, 0o777 & ~umask)  # mkdtemp's folder is private; the checkpoint gets the usual permissions
    try:
        yield work
        os.rename(work, target)  # TARGET is absent or an empty folder (checked before), which rename replaces
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def convert(args):
    pretrained = args.pretrained
    if not os.path.isdir(pretrained):
        raise ConversionError(f"missing folder: {pretrained} (Hallo's pretrained_models/)")
    if os.path.isdir(args.out) and os.listdir(args.out):
        raise ConversionError(f"{args.out} exists and is not empty: choose a new folder")
    settings = read_unet_config(args.unet_config)
    sd_root = os.path.join(pretrained, "stable-diffusion-v1-5")
    sd_config_path = os.path.join(sd_root, "unet", "config.json")
    sd_config = read_json(sd_config_path)
    check_sd_unet_config(sd_config, sd_config_path)
    if sd_config["in_channels"] != 4 or sd_config["out_channels"] != 4:
        raise ConversionError(f"{sd_config_path}: the talking denoiser takes and gives 4 latent channels")
    if settings.get("motion_module_type", "Vanilla") != "Vanilla":
        raise ConversionError(f"{args.unet_config}: motion_module_type {settings['motion_module_type']} "
                              "is not supported (only Vanilla)")
    text_encoder_config = os.path.join(sd_root, "text_encoder", "config.json")
    hidden = read_json(text_encoder_config).get("hidden_size")
    if hidden != sd_config["cross_attention_dim"]:
        raise ConversionError(f"{text_encoder_config}: hidden_size {hidden} differs from the UNet's "
                              f"cross_attention_dim {sd_config['cross_attention_dim']}")
    for folder in [os.path.join(sd_root, "tokenizer"), os.path.join(pretrained, "sd-vae-ft-mse")]:
        if not os.path.isdir(folder):
            raise ConversionError(f"missing folder: {folder}")
    require_file(os.path.join(pretrained, "wav2vec", "wav2vec2-base-960h", "preprocessor_config.json"))
    unet_shapes = reference_shapes(sd_config)
    motion_shapes, audio_shapes = denoiser_module_shapes(sd_config, settings)
    with folder_written_beside(args.out) as out:
        net_path = os.path.join(pretrained, "hallo", "net.pth")
        wav2vec = os.path.join(pretrained, "wav2vec", "wav2vec2-base-960h")
        wav2vec_config = read_json(os.path.join(wav2vec, "config.json"))
        # The projection reads every transformer layer's hidden state and writes audio_attention_dim-wide tokens.
        audio_proj_config = {**HALLO_AUDIO_PROJ, "blocks": wav2vec_config.get("num_hidden_layers", 12),
                             "channels": wav2vec_config.get("hidden_size", 768),
                             "output_dim": settings["audio_attention_dim"]}
        if args.audio_proj_config is not None:
            audio_proj_config.update(read_json(args.audio_proj_config))

        sources = []
        if args.init_from_components:
            sd_unet, sd_unet_path = load_weights(os.path.join(sd_root, "unet"),
                                                 ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin"])
            check_part(sd_unet, unet_shapes, "SD1.5 UNet", sd_unet_path)
            motion_path = os.path.join(pretrained, "motion_module", "mm_sd_v15_v2.ckpt")
            motion = load_pickle(motion_path)
            for key, shape in motion_shapes.items():
                if key.endswith("pos_encoder.pe") and key not in motion:
                    motion[key] = sinusoid_table(shape[1], shape[2])
            check_part(motion, motion_shapes, "motion modules", motion_path)
            reference = {key: value for key, value in sd_unet.items() if not key.startswith(REFERENCE_UNUSED)}
            denoiser = {**sd_unet, **motion}
            sources.append(f"reference_unet: SD1.5 UNet from {sd_unet_path} "
                           "(without conv_norm_out/conv_out, which it never uses)")
            sources.append(f"denoising_unet: SD1.5 UNet from {sd_unet_path}; motion modules from {motion_path}")
            if os.path.isfile(net_path):
                parts = split_prefixes(load_pickle(net_path), net_path)
                audio = {key: value for key, value in parts.get("denoising_unet", {}).items() if ".audio_modules." in key}
                check_part(audio, audio_shapes, "denoising_unet. audio modules", net_path)
                audio_proj = parts.get("audioproj", {})
                sources.append(f"denoising_unet: audio modules from {net_path} (denoising_unet.*audio_modules.*)")
                sources.append(f"audio_proj: from {net_path} (audioproj.)")
            else:
                # Stored in the UNet's precision, so the denoiser's file has one dtype.
                unet_dtype = next(iter(sd_unet.values())).dtype
                audio = {key: value.to(unet_dtype) for key, value in default_init(audio_shapes, seed=args.seed).items()}
                audio_proj = default_init(audio_proj_shapes(audio_proj_config), seed=args.seed + 1)
                sources.append("denoising_unet: audio modules initialised as Hallo's constructors do "
                               f"(zero_conv_* at zero), seed {args.seed}: no {net_path}")
                sources.append(f"audio_proj: initialised as Hallo's constructor does, seed {args.seed + 1}")
            denoiser.update(audio)
        else:
            parts = split_prefixes(load_pickle(net_path), net_path)
            for prefix in ["reference_unet", "denoising_unet", "audioproj"]:
                if not parts.get(prefix):
                    raise ConversionError(f"{net_path}: no keys under `{prefix}.`")
            reference, denoiser, audio_proj = parts["reference_unet"], parts["denoising_unet"], parts["audioproj"]
            for prefix in ["face_locator", "imageproj"]:
                if prefix in parts:
                    sources.append(f"{prefix}: dropped ({len(parts[prefix])} tensors): the talking checkpoint "
                                   "conditions on "
                        "CLIP text instead of face embeddings")
            sources.append(f"reference_unet, denoising_unet (motion and audio modules), audio_proj: from {net_path}")
        reference_unet_shapes = {key: shape for key, shape in unet_shapes.items() if not key.startswith(REFERENCE_UNUSED)}
        check_part(reference, reference_unet_shapes, "reference_unet",
                   net_path if not args.init_from_components else sd_root)
        check_part(denoiser, {**unet_shapes, **motion_shapes, **audio_shapes}, "denoising_unet",
                   net_path if not args.init_from_components else pretrained)

        if args.audio_proj_config is None and "proj1.weight" in audio_proj and "proj3.weight" in audio_proj:
            # A projection of other widths than Hallo's released one: its sizes are read off its weights.
            audio_proj_config["intermediate_dim"] = int(audio_proj["proj1.weight"].shape[0])
            tokens = int(audio_proj["proj3.weight"].shape[0]) // audio_proj_config["output_dim"]
            audio_proj_config["context_tokens"] = tokens
        check_part(audio_proj, audio_proj_shapes(audio_proj_config), "audio_proj",
                   net_path if os.path.isfile(net_path) else "its initialisation")
        for line in sources:
            log(line)
        write_json(sd_config, os.path.join(out, "reference_unet", "config.json"))
        save_weights(reference, os.path.join(out, "reference_unet", "diffusion_pytorch_model.safetensors"))
        write_json({**sd_config, **settings}, os.path.join(out, "denoising_unet", "config.json"))
        save_weights(denoiser, os.path.join(out, "denoising_unet", "diffusion_pytorch_model.safetensors"))
        write_json(audio_proj_config, os.path.join(out, "audio_proj", "config.json"))
        save_weights(audio_proj, os.path.join(out, "audio_proj", "diffusion_pytorch_model.safetensors"))

        source = copy_component(wav2vec, os.path.join(out, "audio_encoder"), ["model.safetensors", "pytorch_model.bin"],
                                "model.safetensors")
        log(f"audio_encoder: from {source}")
        source = copy_component(os.path.join(pretrained, "sd-vae-ft-mse"), os.path.join(out, "vae"),
                                ["diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin"],
                                "diffusion_pytorch_model.safetensors")
        log(f"vae: from {source}")
        source = copy_component(os.path.join(sd_root, "text_encoder"), os.path.join(out, "text_encoder"),
                                ["model.safetensors", "pytorch_model.bin"], "model.safetensors")
        log(f"text_encoder: from {source}")
        copy_component(os.path.join(sd_root, "tokenizer"), os.path.join(out, "tokenizer"), None, None)
        log(f"tokenizer: from {os.path.join(sd_root, 'tokenizer')}")
        write_json(HALLO_SCHEDULER, os.path.join(out, "scheduler", "scheduler_config.json"))
        log("scheduler: Hallo's DDIM settings (v_prediction, zero-SNR, trailing)")
        write_json({
            "_class_name": "TalkingHeadPipeline", "_tbd_format": FORMAT,
            "reference_unet": ["diffusers", "UNet2DConditionModel"],
            "denoising_unet": ["hallo", "UNet3DConditionModel"],
            "audio_proj": ["hallo", "AudioProjModel"],
            "audio_encoder": ["transformers", "Wav2Vec2Model"],
            "vae": ["diffusers", "AutoencoderKL"],
            "text_encoder": ["transformers", "CLIPTextModel"],
            "tokenizer": ["transformers", "CLIPTokenizer"],
            "scheduler": ["diffusers", "DDIMScheduler"],
        }, os.path.join(out, "model_index.json"))
    log(f"wrote {args.out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pretrained", required=True, help="a folder laid out as Hallo's pretrained_models/")
    parser.add_argument("--out", required=True, help="the talking checkpoint folder to write")
    parser.add_argument("--unet-config", help="Hallo's configs/unet/unet.yaml (default: its released values)")
    parser.add_argument("--init-from-components", action="store_true",
                        help="the paper's initialisation from SD1.5, AnimateDiff and wav2vec2 (no net.pth needed)")
    parser.add_argument("--audio-proj-config", help="a JSON file of AudioProjModel arguments "
                        "(default: Hallo's seq_len 5, blocks 12, channels 768, intermediate 512, 32 tokens of 768)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the audio initialisation (--init-from-components)")
    args = parser.parse_args()
    try:
        convert(args)
    except (ConversionError, UnreadablePickle) as error:
        sys.exit(f"convert-hallo: {error}")


if __name__ == "__main__":
    main()
