"""Animate with the kenburns backend: the camera really moves the way the prompt says, and bad input is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.v1.video_pb2 import AnimateRequest
from studio.video.animate.motion import plan
from tests.video.conftest import VideoHarness, decode_frames, probe_streams


@pytest.fixture(scope="module")
def scene_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scene") / "coffee.png"
    Image.fromarray(data.coffee()).save(path)  # 600x400 landscape
    return path


async def _clip(video: VideoHarness, image: Path, tmp_path: Path, **fields: Any) -> tuple[Any, np.ndarray]:
    result = await video.call("Animate", AnimateRequest(image=await video.put(image), **fields))
    out = await video.fetch(result.video, tmp_path / "clip.mp4")
    return result, decode_frames(out, result.width, result.height)


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float64)


async def test_pan_left_moves_the_view_left(video: VideoHarness, scene_png: Path, tmp_path: Path) -> None:
    result, frames = await _clip(
        video, scene_png, tmp_path, motion="pan left", duration_seconds=1.0, width=320, height=180
    )
    assert (result.width, result.height, result.frames, len(frames)) == (320, 180, 25, 25)
    assert result.backend == "kenburns" and "pan left" in result.motion
    (dx, dy), _ = cv2.phaseCorrelate(_gray(frames[0]), _gray(frames[-1]))
    # The camera goes left, so what it sees slides right across the frame.
    assert dx > 0.05 * 320 and abs(dy) < 3


async def test_zoom_in_magnifies(video: VideoHarness, scene_png: Path, tmp_path: Path) -> None:
    _, frames = await _clip(video, scene_png, tmp_path, motion="zoom in", duration_seconds=1.0, width=320, height=180)
    first, last = frames[0].astype(np.float32), frames[-1].astype(np.float32)
    move = plan("zoom in")
    factor = move.zoom[1] / move.zoom[0]
    magnified = cv2.warpAffine(first, cv2.getRotationMatrix2D((160, 90), 0, factor), (320, 180))
    inner = (slice(30, 150), slice(50, 270))
    assert np.abs(magnified[inner] - last[inner]).mean() < 0.6 * np.abs(first[inner] - last[inner]).mean()


async def test_default_size_follows_the_image_and_streams_are_h264(
    video: VideoHarness, scene_png: Path, tmp_path: Path
) -> None:
    result = await video.call("Animate", AnimateRequest(image=await video.put(scene_png), duration_seconds=0.4))
    assert (result.width, result.height, result.fps, result.frames) == (1280, 720, 25, 10)
    assert result.motion.startswith("zoom in")
    streams = probe_streams(await video.fetch(result.video, tmp_path / "clip.mp4"))
    assert streams["video"]["codec_name"] == "h264" and streams["video"]["pix_fmt"] == "yuv420p"
    assert "audio" not in streams


@pytest.mark.parametrize(
    ("fields", "error", "words"),
    [
        ({"duration_seconds": 3600.0}, InvalidInput, "duration_seconds"),
        ({"duration_seconds": -1.0}, InvalidInput, "duration_seconds"),
        ({"duration_seconds": float("nan")}, InvalidInput, "duration_seconds"),
        ({"motion": "zoom " * 200}, InvalidInput, "motion"),
        ({"backend": "sora"}, InvalidInput, "kenburns"),
        ({"width": 321, "height": 180}, InvalidInput, "odd"),
        ({"backend": "diffusers", "model": "made-up"}, InvalidInput, "ltx-video"),
        ({"backend": "diffusers"}, FailedPrecondition, "not installed"),
    ],
)
async def test_bad_requests(
    video: VideoHarness, scene_png: Path, fields: dict[str, Any], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        await video.call("Animate", AnimateRequest(image=await video.put(scene_png), **fields))
    assert video.outputs() == []


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("slow zoom in", "zoom in"),
        ("zoom out fast", "zoom out"),
        ("pan right with parallax", "parallax"),
        ("câmera para a esquerda", "pan left"),
        ("aproximar devagar", "zoom in"),
        ("tilt up", "tilt up"),
        ("static shot", "static"),
        ("", "zoom in"),
    ],
)
def test_prompt_words_choose_the_move(prompt: str, expected: str) -> None:
    assert expected in plan(prompt).description
