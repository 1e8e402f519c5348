"""Tensors as the fixture scripts make and store them.

Expected outputs are stored as float32 whatever precision computed them; safetensors files must have the same
bytes on every run; tiny models get random weights at a scale that keeps activations of order one, because the
default initialisation leaves norms at one/zero and some layers at zero, which would hide them from the tests.
"""
import json
import math


def float32_contiguous(tensors):
    """A copy of {name: tensor} as detached, contiguous float32 tensors, ready for safetensors."""
    import torch
    return {name: value.detach().to(torch.float32).contiguous().clone() for name, value in tensors.items()}


def save_stable(tensors, path, metadata=None):
    """Writes TENSORS as float32 with METADATA (values as strings). safetensors writes the metadata in hash order,
    so the header is rewritten with sorted keys (same length, same offsets): the bytes depend only on the content."""
    from safetensors.torch import save
    data = save(float32_contiguous(tensors), metadata={key: str(value) for key, value in (metadata or {}).items()})
    length = int.from_bytes(data[:8], "little")
    header = json.dumps(json.loads(data[8:8 + length]), sort_keys=True, separators=(",", ":")).encode()
    assert len(header) <= length
    with open(path, "wb") as handle:
        handle.write(data[:8] + header + b" " * (length - len(header)) + data[8 + length:])


def perturb(model, seed, scale=0.1):
    """Adds SCALE x standard normal noise (drawn from a generator seeded with SEED) to every parameter."""
    import torch
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator) * scale)
    return model


def randomise(module, seed, noise_dtype=None):
    """Replaces every parameter with draws from a generator seeded with SEED (in NOISE_DTYPE, default float32,
    then cast to the parameter's dtype): fan-in scaled kernels, norm weights near one, weight-norm magnitudes
    (weight_g, parametrizations' original0) between 1 and 1.2 or so, everything else small."""
    import torch
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator, dtype=noise_dtype).to(parameter.dtype)
            if "original0" in name or name.endswith("weight_g"):
                parameter.copy_(1 + 0.2 * noise.abs())
            elif parameter.dim() > 1:
                parameter.copy_(noise / math.sqrt(parameter[0].numel()))
            elif "norm" in name and name.endswith("weight"):
                parameter.copy_(1 + 0.1 * noise)
            else:
                parameter.copy_(0.1 * noise)
