"""The composer's Timeline for a screenplay, from the results of the steps before it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.pipeline.media import ResolvedScreenplay
from studio.pipeline.screenplay import COMPOSER_MOTION, Screenplay, transition_seconds
from studio.pipeline.timing import SceneTiming, scene_timing, scene_timings
from studio.v1.composer_pb2 import (
    CONTAINER_FORMAT_MP4,
    CONTAINER_FORMAT_WEBM,
    TRANSITION_KIND_CROSSFADE,
    TRANSITION_KIND_CUT,
    TRANSITION_KIND_FADE_BLACK,
    TRANSITION_KIND_WIPE,
    Clip,
    MusicTrack,
    Narration,
    OutputSpec,
    PictureRange,
    Scene,
    Still,
    Timeline,
    Transition,
)

TRANSITIONS = {
    "cut": TRANSITION_KIND_CUT,
    "crossfade": TRANSITION_KIND_CROSSFADE,
    "fade_black": TRANSITION_KIND_FADE_BLACK,
    "wipe": TRANSITION_KIND_WIPE,
}
MUSIC_FADE_IN_SECONDS = 1.0
MUSIC_FADE_OUT_SECONDS = 2.5


def narration_seconds(screenplay: Screenplay, results: Mapping[str, Any]) -> dict[int, float]:
    """Speech duration of each narrated scene, by scene index."""
    out = {}
    for index in range(len(screenplay.scenes)):
        speech = results.get(f"narration:{index + 1}")
        if speech is not None:
            out[index] = float(speech.duration_seconds)
    return out


def _scene(resolved: ResolvedScreenplay, results: Mapping[str, Any], index: int, timing: SceneTiming) -> Scene:
    screenplay = resolved.screenplay
    scene, number = screenplay.scenes[index], index + 1
    out = Scene(name=f"scene {number}")
    if scene.speaker is None and screenplay.backends.animation == COMPOSER_MOTION:
        image = (
            resolved.artifact(scene.image) if scene.image is not None else results[f"frame:{number}"].images[0].image
        )
        out.still.CopyFrom(Still(image=image, duration_seconds=timing.length, motion=scene.motion))
    else:
        # A speaker's speech plays as narration (subtitled, ducking the music); the clip's own copy stays muted.
        visual = results[f"talk:{number}"] if scene.speaker is not None else results[f"animate:{number}"]
        out.clip.CopyFrom(Clip(video=visual.video, duration_seconds=timing.length, use_audio=False))
    speech = results.get(f"narration:{number}")
    if speech is not None:
        out.narration.CopyFrom(
            Narration(
                audio=speech.audio,
                offset_seconds=timing.narration_offset,
                words=speech.words,
                text=scene.narration.strip(),
            )
        )
    if timing.transition > 0:
        out.transition.CopyFrom(Transition(kind=TRANSITIONS[scene.transition], duration_seconds=timing.transition))
    else:
        out.transition.CopyFrom(Transition(kind=TRANSITION_KIND_CUT))
    return out


def build_part(resolved: ResolvedScreenplay, results: Mapping[str, Any], index: int) -> tuple[Timeline, PictureRange]:
    """The timeline and range that render scene `index`'s part of the film's pictures on their own.

    The part runs from the end of the scene's incoming transition (rendered by the part before) to
    the end of its outgoing one, so it holds the scene and the head of the next one; `results` needs
    the visuals of both and the narration of the scenes either side (their lengths set the transitions).
    """
    screenplay = resolved.screenplay
    speech = narration_seconds(screenplay, results)
    own = scene_timing(screenplay, speech, index)
    timeline = Timeline(title=screenplay.title, output=output_spec(screenplay))
    timeline.scenes.append(_scene(resolved, results, index, own))
    if own.transition > 0 and index + 1 < len(screenplay.scenes):
        # Only the next scene's head is rendered: its own outgoing transition does not matter here.
        timeline.scenes.append(
            _scene(resolved, results, index + 1, scene_timing(screenplay, speech, index + 1, cut=True))
        )
    joined_before = index > 0 and transition_seconds(screenplay.scenes[index - 1]) > 0
    start = scene_timing(screenplay, speech, index - 1).transition if joined_before else 0.0
    return timeline, PictureRange(start_seconds=start, end_seconds=own.length)


def build_timeline(resolved: ResolvedScreenplay, results: Mapping[str, Any]) -> Timeline:
    screenplay = resolved.screenplay
    timings = scene_timings(screenplay, narration_seconds(screenplay, results))
    timeline = Timeline(title=screenplay.title, output=output_spec(screenplay))
    timeline.scenes.extend(_scene(resolved, results, i, timing) for i, timing in enumerate(timings))
    if screenplay.music is not None:
        timeline.music.CopyFrom(
            MusicTrack(
                audio=results["music"].audio,
                volume_db=screenplay.music.volume_db,
                fade_in_seconds=MUSIC_FADE_IN_SECONDS,
                fade_out_seconds=MUSIC_FADE_OUT_SECONDS,
                duck=True,
            )
        )
    return timeline


def output_spec(screenplay: Screenplay) -> OutputSpec:
    spec = screenplay.output
    return OutputSpec(
        format=CONTAINER_FORMAT_WEBM if spec.format == "webm" else CONTAINER_FORMAT_MP4,
        width=spec.width,
        height=spec.height,
        fps=spec.fps,
        quality=spec.quality,
        loudness_lufs=spec.loudness_lufs,
        burn_subtitles=spec.burn_subtitles,
    )
