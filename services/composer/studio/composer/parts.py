"""A film in parts: its pictures a stretch at a time, its sound alone, and checks before they are joined.

A pipeline renders each part of the pictures as soon as its scenes are ready
(`pictures_only`) and the sound as soon as the narration and music are
(`sound_only`), side by side with the rest of its work, then asks for the film
with the parts (`pictures`, `sound`): they are joined as encoded. Parts must be
whole frames of the same output, the sound the film's length; they are checked
here, before anything is joined.
"""

from __future__ import annotations

import math

from studio.composer.output import OutputPlan
from studio.composer.plan import Plan
from studio.composer.probe import MediaInfo
from studio.core.errors import InvalidInput
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef

#: The video and sound codecs of each container's parts (the output's own).
VIDEO_CODECS = {"mp4": "h264", "webm": "vp9"}
SOUND_CODECS = {"mp4": "aac", "webm": "opus"}
#: How far a sound track's length may be from the film's: encoders pad to whole frames (AAC: 1024 samples).
SOUND_SLACK = 0.05


def check_request(request: pb.ComposeRequest) -> None:
    """A request asks for one thing: a pictures part, the sound, or the film (from parts or not)."""
    film_from_parts = bool(request.pictures) or request.HasField("sound")
    if sum((request.HasField("pictures_only"), request.sound_only, film_from_parts)) > 1:
        raise InvalidInput(
            "pictures_only, sound_only and pictures/sound exclude each other: "
            "render a part of the pictures, or the sound, or the film (from parts or not)"
        )


def part_frames(wanted: pb.PictureRange, plan: Plan) -> tuple[int, int]:
    """The frames [first, end) of `pictures_only`; InvalidInput unless it is a non-empty stretch of the film."""
    fps = plan.output.fps
    start, end = wanted.start_seconds, wanted.end_seconds
    film = plan.span.frames / fps
    if not (math.isfinite(start) and math.isfinite(end)):
        raise InvalidInput(f"pictures_only {start:g}-{end:g} s: start and end must be numbers of seconds")
    first, last = round(start * fps), round(end * fps)
    if not 0 <= first < last <= plan.span.frames:
        raise InvalidInput(
            f"pictures_only {start:g}-{end:g} s: accepted 0 <= start < end <= {film:.3f} s "
            f"(the film), at least one frame ({1 / fps:.3f} s) long"
        )
    return first, last


def part_slots(request: pb.ComposeRequest) -> dict[str, tuple[str, ArtifactRef]]:
    """Input slots (see plan.input_slots) for the parts a request gives: `pictures` and `sound`."""
    slots = {}
    for k, ref in enumerate(request.pictures):
        if not ref.key:
            raise InvalidInput(f"pictures[{k}]: an artifact reference is required")
        slots[f"picture{k}"] = (f"pictures[{k}]", ref)
    if request.HasField("sound"):
        if not request.sound.key:
            raise InvalidInput("sound: an artifact reference is required")
        slots["sound"] = ("sound", request.sound)
    return slots


def check_sound(plan: Plan, info: MediaInfo) -> None:
    """A sound track made by `sound_only` for this film: the output's codec, and the film's length."""
    codec = SOUND_CODECS[plan.output.container]
    if not info.has_audio or info.has_video or info.audio_codec != codec:
        found = info.audio_codec or "no sound"
        video = " with video" if info.has_video else ""
        raise InvalidInput(f"sound: is {found}{video}; the output needs its sound track alone, in {codec.upper()}")
    if abs(info.audio_duration - plan.duration) > SOUND_SLACK:
        raise InvalidInput(
            f"sound: lasts {info.audio_duration:.3f} s; the timeline lasts {plan.duration:.3f} s (made for another?)"
        )


def check_parts(plan: Plan, infos: list[MediaInfo]) -> None:
    """Parts must be the output's codec, size and frame rate, and together last exactly the film."""
    out: OutputPlan = plan.output
    codec = VIDEO_CODECS[out.container]
    frames = 0
    for k, info in enumerate(infos):
        label = f"pictures[{k}]"
        if not info.has_video or info.video_codec != codec or info.pix_fmt != "yuv420p":
            found = f"{info.video_codec or 'no video'} {info.pix_fmt}".strip()
            raise InvalidInput(f"{label}: is {found}; parts must be {codec} yuv420p, as pictures_only renders them")
        if (info.width, info.height) != (out.width, out.height) or abs(info.fps - out.fps) > 1e-3:
            raise InvalidInput(
                f"{label}: is {info.width}x{info.height} at {info.fps:g} fps; "
                f"the output is {out.width}x{out.height} at {out.fps:g} fps"
            )
        frames += round(info.duration * out.fps)
    if frames != plan.span.frames:
        raise InvalidInput(
            f"pictures: the parts hold {frames} frames ({frames / out.fps:.3f} s); the timeline has "
            f"{plan.span.frames} ({plan.span.frames / out.fps:.3f} s): they must cover it exactly, in order"
        )
