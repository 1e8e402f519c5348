"""Think-Before-Draw trainer: the talking-head model on PyTorch, diffusers and accelerate."""
