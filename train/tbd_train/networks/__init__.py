"""The talking model's trainable networks, with the talking checkpoint folder's state-dict names."""
from .audio_proj import AudioProjection, audio_windows
from .config import DenoiserConfig
from .denoiser import TalkingUNet
from .folder import CheckpointFolderError, TalkingNetworks, load_networks, write_folder
from .reference import ReferenceNet

__all__ = ["AudioProjection", "audio_windows", "DenoiserConfig", "TalkingUNet", "CheckpointFolderError",
           "TalkingNetworks", "load_networks", "write_folder", "ReferenceNet"]
