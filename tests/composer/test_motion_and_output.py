from __future__ import annotations

import math

import pytest

from studio.composer.motion import Motion, parse_motion
from studio.composer.output import plan_output
from studio.core.errors import InvalidInput
from studio.v1 import composer_pb2 as pb


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Motion()),
        ("static", Motion()),
        ("slow zoom in", Motion(zoom=1, speed=0.6)),
        ("Zoom out", Motion(zoom=-1)),
        ("pan left", Motion(pan_x=-1)),
        ("fast pan down", Motion(pan_y=1, speed=1.6)),
        ("slow zoom in and pan right", Motion(zoom=1, pan_x=1, speed=0.6)),
        ("Ken Burns", Motion(zoom=1, speed=0.6)),
        ("slow push in, tilt up", Motion(zoom=1, pan_y=-1, speed=0.6)),
        ("pull back", Motion(zoom=-1)),
    ],
)
def test_motion_phrases(text: str, expected: Motion) -> None:
    assert parse_motion(text, "scene 1") == expected


@pytest.mark.parametrize("text", ["spin", "zoom sideways", "slow", "pan", "zoom in " * 50])
def test_unknown_motion_names_scene_and_what_is_accepted(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"scene 3.*accepted"):
        parse_motion(text, "scene 3")


def test_output_defaults() -> None:
    out = plan_output(pb.OutputSpec())
    assert (out.container, out.width, out.height, out.fps, out.quality, out.loudness) == ("mp4", 1280, 720, 30, 70, -14)
    assert out.poster_at is None and "libx264" in out.video_args("veryfast")


@pytest.mark.parametrize(
    ("spec", "size"),
    [
        (pb.OutputSpec(aspect=pb.ASPECT_RATIO_9_16), (720, 1280)),
        (pb.OutputSpec(aspect=pb.ASPECT_RATIO_1_1, width=540), (540, 540)),
        (pb.OutputSpec(aspect=pb.ASPECT_RATIO_16_9, height=1080), (1920, 1080)),
        (pb.OutputSpec(width=640, height=480), (640, 480)),
    ],
)
def test_output_size_from_aspect(spec: pb.OutputSpec, size: tuple[int, int]) -> None:
    out = plan_output(spec)
    assert (out.width, out.height) == size


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (pb.OutputSpec(width=641, height=480), "even"),
        (pb.OutputSpec(width=8000, height=4000), "between 16 and 4096"),
        (pb.OutputSpec(width=-2, height=480), "positive"),
        (pb.OutputSpec(aspect=pb.ASPECT_RATIO_16_9, width=640, height=640), "not 16:9"),
        (pb.OutputSpec(fps=1000), "fps"),
        (pb.OutputSpec(fps=math.nan), "fps"),
        (pb.OutputSpec(quality=101), "quality"),
        (pb.OutputSpec(loudness_lufs=3), "loudness"),
        (pb.OutputSpec(format=7), "format"),  # type: ignore[arg-type]
        (pb.OutputSpec(poster_at_seconds=-1), "poster"),
    ],
)
def test_bad_output_specs(spec: pb.OutputSpec, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        plan_output(spec)


def test_webm_uses_vp9_and_opus() -> None:
    out = plan_output(pb.OutputSpec(format=pb.CONTAINER_FORMAT_WEBM))
    assert "libvpx-vp9" in out.video_args("veryfast") and "libopus" in out.audio_args()
