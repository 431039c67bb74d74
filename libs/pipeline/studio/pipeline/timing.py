"""How long each scene lasts once its narration is known, and where the narration sits.

One place for the arithmetic so the animation step, the timeline and the
expected film duration agree. The composer's film duration is the sum of scene
lengths minus transition overlaps; narration offsets count from a scene's start.
Lengths and transitions are whole frames, so speech durations that differ by a
sample between runs (or machines) give the same film.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from studio.pipeline.screenplay import Scene, Screenplay, transition_seconds

#: Picture before a voice-over starts, and after it ends (at least the transitions' length).
LEAD_SECONDS = 0.4
TAIL_SECONDS = 0.6
#: A talking head holds its last frame this long (at least the transition out) so the line ends before the cut.
HOLD_SECONDS = 0.3
#: A transition takes at most this fraction of either scene it joins.
MAX_TRANSITION_SHARE = 1 / 3


@dataclass(frozen=True)
class SceneTiming:
    #: Seconds the scene's picture lasts (before overlaps).
    length: float
    #: Seconds from the scene's start to its narration.
    narration_offset: float
    #: Seconds of overlap with the next scene (0 for a cut); for the last scene, the closing fade.
    transition: float


def _transition_in(screenplay: Screenplay, index: int) -> float:
    return transition_seconds(screenplay.scenes[index - 1]) if index > 0 else 0.0


def _transition_out(screenplay: Screenplay, index: int) -> float:
    """Seconds of the transition after a scene; after the last one, the film's closing fade."""
    return transition_seconds(screenplay.scenes[index])


def frames_up(seconds: float, fps: int) -> float:
    """`seconds` rounded up to a whole number of frames."""
    return round(math.ceil(seconds * fps - 1e-6) / fps, 6)


def frames_down(seconds: float, fps: int) -> float:
    return round(math.floor(seconds * fps + 1e-6) / fps, 6)


def narration_offset(screenplay: Screenplay, index: int) -> float:
    scene = screenplay.scenes[index]
    if scene.speaker is not None:
        # The talking head carries the line's lip movements from its first frame.
        return 0.0
    return max(LEAD_SECONDS, _transition_in(screenplay, index))


def scene_length(screenplay: Screenplay, index: int, narration_seconds: float | None) -> float:
    """The scene's picture length: its duration, grown to fit the narration; a speaker's line sets its own.

    A talking head lasts as long as its line (plus a short hold): a longer shot
    would be a frozen face, since lips can only move while the line is spoken.
    """
    scene: Scene = screenplay.scenes[index]
    fps = screenplay.output.fps
    if scene.speaker is not None:
        assert narration_seconds is not None, "a speaker scene has a line"
        return frames_up(narration_seconds + max(HOLD_SECONDS, _transition_out(screenplay, index)), fps)
    if narration_seconds is None:
        return frames_up(scene.duration, fps)
    needed = (
        narration_offset(screenplay, index) + narration_seconds + max(TAIL_SECONDS, _transition_out(screenplay, index))
    )
    return frames_up(max(scene.duration, needed), fps)


def scene_timing(
    screenplay: Screenplay, narration_seconds: Mapping[int, float], index: int, *, cut: bool = False
) -> SceneTiming:
    """Timing of one scene; it needs the speech durations of this scene and, unless `cut` (its outgoing
    transition left out), of the next (by scene index)."""
    fps = screenplay.output.fps
    length = scene_length(screenplay, index, narration_seconds.get(index))
    transition = 0.0 if cut else _transition_out(screenplay, index)
    if transition:
        last = index == len(screenplay.scenes) - 1
        after = length if last else scene_length(screenplay, index + 1, narration_seconds.get(index + 1))
        transition = min(transition, length * MAX_TRANSITION_SHARE, after * MAX_TRANSITION_SHARE)
    offset = frames_up(narration_offset(screenplay, index), fps)
    return SceneTiming(length, offset, frames_down(transition, fps))


def scene_timings(screenplay: Screenplay, narration_seconds: Mapping[int, float]) -> list[SceneTiming]:
    """Timing of every scene given each narrated scene's speech duration (by scene index)."""
    return [scene_timing(screenplay, narration_seconds, i) for i in range(len(screenplay.scenes))]
