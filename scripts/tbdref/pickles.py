"""Torch pickles (.pth, .ckpt, .bin) read as data.

A checkpoint is data, not a program: torch.load runs with weights_only=True, so a pickle that needs code to
unpack is refused, never executed, and the error names the file.
"""
import os


class UnreadablePickle(Exception):
    pass


def load_state_dict(path):
    """The state dict in PATH (a top-level "state_dict" entry unwrapped), mapped rather than read when the file
    is in torch's zip format (Hallo's net.pth is about 5 GB)."""
    import torch
    if not os.path.isfile(path):
        raise UnreadablePickle(f"missing file: {path}")
    try:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError as error:  # pickles older than torch's zip format cannot be mapped
            if "mmap" not in str(error):
                raise
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        if "Weights only load failed" in str(error):
            reason = "unpacking it would run code, which weights_only=True refuses"
        else:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UnreadablePickle(f"{path} cannot be read as plain tensors: {reason}") from error
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise UnreadablePickle(f"{path} holds {type(state).__name__}, not a state dict")
    return state
