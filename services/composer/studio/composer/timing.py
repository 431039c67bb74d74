"""Timeline arithmetic, shared by pictures, sound and subtitles so they never drift apart.

Scene i starts where scene i-1 starts plus its duration minus the overlap of the
transition between them (cuts overlap by 0):

    start[0] = 0
    start[i] = start[i-1] + duration[i-1] - overlap[i-1]
    film     = start[n-1] + duration[n-1]  =  sum(duration) - sum(overlap)

Pictures are rendered in whole frames: scene boundaries are rounded to the nearest
frame, so the rendered film is within half a frame of `film` and no error accumulates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SceneSpan:
    """Where a scene sits in the film, in seconds and in frames."""

    start: float
    duration: float
    start_frame: int
    frames: int
    #: Frames shared with the previous / next scene (transition overlaps).
    overlap_in: int
    overlap_out: int

    @property
    def end(self) -> float:
        return self.start + self.duration


@dataclass(frozen=True)
class TimelineSpan:
    scenes: tuple[SceneSpan, ...]
    fps: float
    #: The film's exact duration in seconds (before rounding to frames).
    duration: float
    frames: int

    @property
    def rendered_duration(self) -> float:
        return self.frames / self.fps


class TimingError(ValueError):
    """Durations and overlaps that cannot be laid out; `index` is the scene at fault."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def lay_out(durations: Sequence[float], overlaps: Sequence[float], fps: float) -> TimelineSpan:
    """Place scenes on the film's clock; `overlaps[i]` is the transition between scene i and i+1."""
    if not durations:
        raise TimingError(0, "a timeline needs at least one scene")
    if len(overlaps) != len(durations) - 1:
        raise ValueError("one overlap per pair of adjacent scenes")
    starts = [0.0]
    for i, overlap in enumerate(overlaps):
        starts.append(starts[i] + durations[i] - overlap)
    first = [round(start * fps) for start in starts]
    last = [round((start + duration) * fps) for start, duration in zip(starts, durations, strict=True)]
    shared = [last[i] - first[i + 1] for i in range(len(overlaps))]
    spans = []
    for i, duration in enumerate(durations):
        frames = last[i] - first[i]
        overlap_in = shared[i - 1] if i > 0 else 0
        overlap_out = shared[i] if i < len(shared) else 0
        if frames < 1:
            raise TimingError(i, f"lasts {duration:g} s, less than one frame at {fps:g} fps")
        if overlap_in + overlap_out > frames:
            raise TimingError(
                i,
                f"lasts {duration:g} s but its transitions in and out overlap it by "
                f"{(overlap_in + overlap_out) / fps:g} s; shorten the transitions or lengthen the scene",
            )
        spans.append(SceneSpan(starts[i], duration, first[i], frames, overlap_in, overlap_out))
    film = starts[-1] + durations[-1]
    return TimelineSpan(tuple(spans), fps, film, last[-1])
