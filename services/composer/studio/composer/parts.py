"""A film's pictures in parts: rendering one stretch of a timeline, and checking parts before they are joined.

A pipeline renders each part as soon as its scenes are ready (`pictures_only`), side
by side with the rest of its work, then asks for the film with the parts (`pictures`):
they are joined as encoded, so only the sound is left to make. Parts must be whole
frames of the same output; they are checked here, before anything is joined.
"""

from __future__ import annotations

import math

from studio.composer.output import OutputPlan
from studio.composer.plan import Plan
from studio.composer.probe import MediaInfo
from studio.core.errors import InvalidInput
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef

#: The video codec each container's parts must have (the output's own).
CODECS = {"mp4": "h264", "webm": "vp9"}


def pictures_timeline(timeline: pb.Timeline) -> pb.Timeline:
    """The timeline as a part needs it: no music, and narration only when its subtitles are burned in."""
    part = pb.Timeline()
    part.CopyFrom(timeline)
    part.ClearField("music")
    if not timeline.output.burn_subtitles:
        for scene in part.scenes:
            scene.ClearField("narration")
    return part


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


def part_slots(parts: list[ArtifactRef]) -> dict[str, tuple[str, ArtifactRef]]:
    """Input slots (see plan.input_slots) for the parts of `pictures`."""
    slots = {}
    for k, ref in enumerate(parts):
        if not ref.key:
            raise InvalidInput(f"pictures[{k}]: an artifact reference is required")
        slots[f"picture{k}"] = (f"pictures[{k}]", ref)
    return slots


def check_parts(plan: Plan, infos: list[MediaInfo]) -> None:
    """Parts must be the output's codec, size and frame rate, and together last exactly the film."""
    out: OutputPlan = plan.output
    frames = 0
    for k, info in enumerate(infos):
        label = f"pictures[{k}]"
        codec = CODECS[out.container]
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
