"""Decoding user speech: sniffed container, forced demuxer (studio.core.media), mono float PCM."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.media import AUDIO, AUDIO_CONTAINERS, Container, detect_file, input_args, unsupported

ANALYSIS_RATE = 16_000
#: Below this the clip carries no speech worth animating.
MIN_SECONDS = 0.1
#: Peak amplitude under which a clip counts as silent (about -80 dBFS).
SILENCE_PEAK = 1e-4


@dataclass(frozen=True)
class Speech:
    """Decoded speech: the source file (muxed as-is into the MP4) and mono samples for analysis."""

    path: Path
    container: Container
    samples: np.ndarray
    rate: int = ANALYSIS_RATE

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


def decode_speech(path: Path, *, field: str, max_seconds: float, ffmpeg: str = "ffmpeg") -> Speech:
    """Decode `path` to mono float32 at 16 kHz; InvalidInput if it is not audio, empty, silent or too long."""
    if path.stat().st_size == 0:
        raise InvalidInput(f"{field}: the file is empty (accepted: {AUDIO_CONTAINERS})")
    container = detect_file(path)
    if container is None or AUDIO not in container.kinds:
        raise InvalidInput(unsupported(AUDIO, field))
    # Decode at most one second past the limit: enough to know it is too long, without decoding hours.
    command = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", *input_args(path, container),
        "-map", "0:a:0", "-t", f"{max_seconds + 1.0:.3f}", "-ac", "1", "-ar", str(ANALYSIS_RATE),
        "-f", "f32le", "pipe:1",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=False)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        reason = detail[-1] if detail else f"ffmpeg exited with {result.returncode}"
        raise InvalidInput(f"{field}: could not decode audio ({reason}); accepted: {AUDIO_CONTAINERS}")
    samples = np.frombuffer(result.stdout, dtype="<f4").astype(np.float32)
    speech = Speech(path=path, container=container, samples=samples)
    if speech.duration < MIN_SECONDS:
        raise InvalidInput(
            f"{field}: audio is empty ({speech.duration:.3f} s); at least {MIN_SECONDS} s of speech needed"
        )
    if speech.duration > max_seconds:
        raise InvalidInput(f"{field}: audio is longer than the maximum of {max_seconds:g} s")
    if not np.all(np.isfinite(samples)) or float(np.max(np.abs(samples))) < SILENCE_PEAK:
        raise InvalidInput(f"{field}: audio is silent; a talking head needs audible speech")
    return speech
