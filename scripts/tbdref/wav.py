"""16-bit mono WAV files, the form the audio fixtures and benchmarks feed to tbd and to PyTorch alike."""
import wave


def write_mono16(path, pcm, rate=16000):
    """Writes PCM (an int16 numpy array) as a mono WAV file at RATE Hz."""
    with wave.open(path, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(pcm.tobytes())
