"""Validation of request fields shared by the operations (what is wrong and what is accepted)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from studio.core.errors import InvalidInput
from studio.v1.common_pb2 import ArtifactRef, PhonemeTiming
from studio.video.lipsync.tracks import PhonemeSpan

DEFAULT_FPS = 25
MAX_FPS = 60
MAX_PHONEMES = 100_000


def require_ref(ref: ArtifactRef, field: str) -> ArtifactRef:
    if not ref.key:
        raise InvalidInput(f"{field}: an artifact reference (key) is required")
    return ref


def fps_of(value: int) -> int:
    if value == 0:
        return DEFAULT_FPS
    if not 1 <= value <= MAX_FPS:
        raise InvalidInput(f"fps: {value} is out of range; use 1..{MAX_FPS} (0 = {DEFAULT_FPS})")
    return value


def backend_of(requested: str, default: str, known: Sequence[str]) -> str:
    name = requested.strip().lower() or default
    if name not in known:
        raise InvalidInput(f"backend: unknown backend {requested!r}; choose one of: {', '.join(known)}")
    return name


def phoneme_spans(timings: Sequence[PhonemeTiming], duration: float) -> list[PhonemeSpan]:
    """Phoneme timings as spans; InvalidInput for negative, reversed, non-finite or out-of-clip times."""
    if len(timings) > MAX_PHONEMES:
        raise InvalidInput(f"phonemes: {len(timings)} given; at most {MAX_PHONEMES} accepted")
    spans = []
    for index, timing in enumerate(timings):
        start, end = timing.start_seconds, timing.end_seconds
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
            raise InvalidInput(f"phonemes[{index}]: times must be finite with 0 <= start <= end (got {start}..{end} s)")
        if start > duration + 0.5:
            raise InvalidInput(
                f"phonemes[{index}]: starts at {start:.3f} s, after the end of the {duration:.3f} s audio"
            )
        spans.append(PhonemeSpan(timing.phoneme, start, end))
    return spans
