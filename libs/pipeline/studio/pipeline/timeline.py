"""The composer's Timeline for a screenplay, from the results of the steps before it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.pipeline.media import ResolvedScreenplay
from studio.pipeline.screenplay import COMPOSER_MOTION, Screenplay
from studio.pipeline.timing import scene_timings
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


def build_timeline(resolved: ResolvedScreenplay, results: Mapping[str, Any]) -> Timeline:
    screenplay = resolved.screenplay
    moving_stills = screenplay.backends.animation == COMPOSER_MOTION
    timings = scene_timings(screenplay, narration_seconds(screenplay, results))
    timeline = Timeline(title=screenplay.title)
    for index, (scene, timing) in enumerate(zip(screenplay.scenes, timings, strict=True)):
        number = index + 1
        out = Scene(name=f"scene {number}")
        if scene.speaker is None and moving_stills:
            image = (
                resolved.artifact(scene.image)
                if scene.image is not None
                else results[f"frame:{number}"].images[0].image
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
        timeline.scenes.append(out)
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
    spec = screenplay.output
    timeline.output.CopyFrom(
        OutputSpec(
            format=CONTAINER_FORMAT_WEBM if spec.format == "webm" else CONTAINER_FORMAT_MP4,
            width=spec.width,
            height=spec.height,
            fps=spec.fps,
            quality=spec.quality,
            loudness_lufs=spec.loudness_lufs,
            burn_subtitles=spec.burn_subtitles,
        )
    )
    return timeline
