"""Decoding user speech: sniffed container, forced demuxer, mono float PCM.

The demuxer is chosen from the file's magic bytes and passed to ffmpeg with
`-f`, so an upload can never select a playlist or concat demuxer that would
make ffmpeg open other files or URLs.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput

ANALYSIS_RATE = 16_000
ACCEPTED = "WAV, MP3, OGG/Opus, FLAC, M4A/AAC or WebM/Matroska"
#: Below this the clip carries no speech worth animating.
MIN_SECONDS = 0.1
#: Peak amplitude under which a clip counts as silent (about -80 dBFS).
SILENCE_PEAK = 1e-4


@dataclass(frozen=True)
class Speech:
    """Decoded speech: the source file (muxed as-is into the MP4) and mono samples for analysis."""

    path: Path
    demuxer: str
    samples: np.ndarray
    rate: int = ANALYSIS_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


def sniff_demuxer(head: bytes) -> str | None:
    """The ffmpeg demuxer for a file starting with `head`, or None if it is not an accepted audio container."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        # MPEG audio frame sync; ADTS AAC shares it (0xFFF1/0xFFF9).
        return "aac" if head[1] & 0xF6 == 0xF0 else "mp3"
    return None


def input_args(path: Path, demuxer: str) -> list[str]:
    """ffmpeg arguments that read `path` with exactly that demuxer and the file protocol only."""
    return ["-protocol_whitelist", "file", "-f", demuxer, "-i", str(path)]


def decode_speech(path: Path, *, field: str, max_seconds: float, ffmpeg: str = "ffmpeg") -> Speech:
    """Decode `path` to mono float32 at 16 kHz; InvalidInput if it is not audio, empty, silent or too long."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if not head:
        raise InvalidInput(f"{field}: the file is empty (accepted: {ACCEPTED})")
    demuxer = sniff_demuxer(head)
    if demuxer is None:
        raise InvalidInput(f"{field}: not a recognised audio file (accepted: {ACCEPTED})")
    # Decode at most one second past the limit: enough to know it is too long, without decoding hours.
    command = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", *input_args(path, demuxer),
        "-map", "0:a:0", "-t", f"{max_seconds + 1.0:.3f}", "-ac", "1", "-ar", str(ANALYSIS_RATE),
        "-f", "f32le", "pipe:1",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else f"ffmpeg exited with {result.returncode}"
        raise InvalidInput(f"{field}: could not decode audio ({reason}); accepted: {ACCEPTED}")
    samples = np.frombuffer(result.stdout, dtype="<f4").astype(np.float32)
    speech = Speech(path=path, demuxer=demuxer, samples=samples)
    if speech.duration < MIN_SECONDS:
        raise InvalidInput(
            f"{field}: audio is empty ({speech.duration:.3f} s); at least {MIN_SECONDS} s of speech needed"
        )
    if speech.duration > max_seconds:
        raise InvalidInput(f"{field}: audio is longer than the maximum of {max_seconds:g} s")
    if not np.all(np.isfinite(samples)) or float(np.max(np.abs(samples))) < SILENCE_PEAK:
        raise InvalidInput(f"{field}: audio is silent; a talking head needs audible speech")
    return speech
