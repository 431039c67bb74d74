"""Decoding and encoding through ffmpeg: every container and codec goes through one well-kept tool.

Samples are float32 numpy arrays shaped (frames,) for mono or (frames, channels).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from studio.core.errors import InvalidInput
from studio.core.media import AUDIO, accepted, input_args, require
from studio.v1 import audio_pb2


@dataclass(frozen=True)
class OutputFormat:
    """How an AudioFormat is written: file extension, content type, ffmpeg codec and muxer."""

    name: str
    extension: str
    content_type: str
    codec_args: tuple[str, ...]
    #: Sample rates the codec accepts (empty = any); others are resampled to the nearest.
    rates: tuple[int, ...] = ()
    #: ffmpeg's name for the container (`-f`); empty = the extension.
    muxer: str = ""


FORMATS: dict[int, OutputFormat] = {
    audio_pb2.AUDIO_FORMAT_WAV: OutputFormat("wav", "wav", "audio/wav", ("-c:a", "pcm_s16le")),
    audio_pb2.AUDIO_FORMAT_MP3: OutputFormat("mp3", "mp3", "audio/mpeg", ("-c:a", "libmp3lame", "-q:a", "2")),
    audio_pb2.AUDIO_FORMAT_OGG_OPUS: OutputFormat(
        "ogg", "ogg", "audio/ogg", ("-c:a", "libopus", "-b:a", "96k"), rates=(8000, 12000, 16000, 24000, 48000)
    ),
    audio_pb2.AUDIO_FORMAT_FLAC: OutputFormat("flac", "flac", "audio/flac", ("-c:a", "flac")),
    audio_pb2.AUDIO_FORMAT_AAC: OutputFormat("aac", "aac", "audio/aac", ("-c:a", "aac", "-b:a", "128k"), muxer="adts"),
    audio_pb2.AUDIO_FORMAT_PCM: OutputFormat("pcm", "pcm", "audio/pcm", ()),  # written without ffmpeg
}
FORMATS[audio_pb2.AUDIO_FORMAT_UNSPECIFIED] = FORMATS[audio_pb2.AUDIO_FORMAT_WAV]
ACCEPTED_FORMATS = "wav, mp3, ogg (opus), flac, aac (ADTS) or pcm (raw s16le)"


def output_format(value: int) -> OutputFormat:
    try:
        return FORMATS[value]
    except KeyError:
        raise InvalidInput(f"format: unknown audio format {value}; accepted: {ACCEPTED_FORMATS}") from None


def codec_rate(fmt: OutputFormat, rate: int) -> int:
    """The rate the codec will actually store for a requested `rate`."""
    if not fmt.rates or rate in fmt.rates:
        return rate
    return min(fmt.rates, key=lambda r: (abs(r - rate), -r))


def _sample_input(path: Path) -> list[str]:
    """ffmpeg input arguments with the demuxer forced from the sample's magic bytes (no playlists)."""
    return input_args(path, require(path, AUDIO, "sample"))


def decode(path: Path, sample_rate: int, *, channels: int = 1, max_seconds: float | None = None) -> np.ndarray:
    """Decode any audio ffmpeg reads to float32 at `sample_rate`, downmixed to `channels`."""
    command = ["ffmpeg", "-nostdin", "-v", "error", *_sample_input(path), "-vn", "-sn", "-dn"]
    if max_seconds is not None:
        command += ["-t", f"{max_seconds:.3f}"]
    command += ["-ac", str(channels), "-ar", str(sample_rate), "-f", "f32le", "-c:a", "pcm_f32le", "pipe:1"]
    result = subprocess.run(command, capture_output=True, check=False, timeout=600)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else "unknown error"
        raise InvalidInput(f"sample could not be decoded as audio ({reason}); accepted: {accepted(AUDIO)}")
    samples = np.frombuffer(result.stdout, dtype="<f4").astype(np.float32)
    if channels > 1:
        samples = samples[: len(samples) - len(samples) % channels].reshape(-1, channels)
    return samples


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] to 16-bit PCM (clipped, rounded)."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype("<i2")


def encode(samples: np.ndarray, sample_rate: int, fmt: OutputFormat, dest: Path) -> int:
    """Write `samples` to `dest` in `fmt`; return the sample rate the file holds.

    WAV, FLAC and raw PCM are written directly; lossy formats go through ffmpeg from a temporary WAV.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    if fmt.name in ("wav", "flac"):  # the same int16 conversion as streamed PCM chunks
        sf.write(dest, to_int16(samples), sample_rate, subtype="PCM_16", format=fmt.name.upper())
        return sample_rate
    if fmt.name == "pcm":  # exactly the bytes of the streamed PCM chunks, interleaved frame by frame
        dest.write_bytes(to_int16(samples).tobytes())
        return sample_rate
    rate = codec_rate(fmt, sample_rate)
    source = dest.with_name(f".{dest.name}.src.wav")
    try:
        sf.write(source, samples, sample_rate, subtype="FLOAT", format="WAV")
        command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-ar", str(rate)]
        command += [*fmt.codec_args, "-f", fmt.muxer or fmt.extension, str(dest)]
        result = subprocess.run(command, capture_output=True, check=False, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"ffmpeg could not encode {fmt.name}: {result.stderr.decode(errors='replace')[-400:]}")
    finally:
        source.unlink(missing_ok=True)
    return rate
