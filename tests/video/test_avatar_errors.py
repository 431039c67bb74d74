"""Bad input to CreateAvatarVideo: a clear error naming the field and what is accepted, and no output left behind."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile
from PIL import Image

from studio.core.errors import FailedPrecondition, InvalidInput, NotFound
from studio.v1.common_pb2 import ArtifactRef, PhonemeTiming
from studio.v1.video_pb2 import CreateAvatarVideoRequest, FaceBox
from tests.video.conftest import VideoHarness, make_harness


async def _request(video: VideoHarness, portrait: Path, audio: Path, **fields: Any) -> CreateAvatarVideoRequest:
    return CreateAvatarVideoRequest(portrait=await video.put(portrait), audio=await video.put(audio), **fields)


async def _rejected(video: VideoHarness, request: CreateAvatarVideoRequest, error: type[Exception], *words: str) -> str:
    with pytest.raises(error) as caught:
        await video.call("CreateAvatarVideo", request)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert video.outputs() == [], "a rejected request left output behind"
    return message


@pytest.fixture(scope="module")
def short_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Half a second of amplitude-modulated tone: enough audio for the cheap checks."""
    path = tmp_path_factory.mktemp("short") / "short.wav"
    t = np.arange(8000) / 16000
    soundfile.write(path, (0.3 * np.sin(2 * np.pi * 220 * t) * np.sin(2 * np.pi * 3 * t) ** 2), 16000)
    return path


async def test_no_face_is_a_failed_precondition(video: VideoHarness, gradient_png: Path, short_wav: Path) -> None:
    await _rejected(
        video, await _request(video, gradient_png, short_wav), FailedPrecondition, "no face found in portrait"
    )


async def test_hand_given_face_box_skips_detection(video: VideoHarness, gradient_png: Path, short_wav: Path) -> None:
    request = await _request(video, gradient_png, short_wav, face=FaceBox(x=120, y=100, width=140, height=160))
    result = await video.call("CreateAvatarVideo", request)
    assert (result.face.x, result.face.y, result.face.width, result.face.height) == (120, 100, 140, 160)
    assert result.frames == 12 and len(video.outputs()) == 1


@pytest.mark.parametrize(
    ("box", "words"),
    [((500, 10, 100, 100), "does not lie inside"), ((10, 10, 5, 40), "too small"), ((-5, 0, 60, 60), "inside")],
)
async def test_face_box_outside_or_tiny(
    video: VideoHarness, astronaut_png: Path, short_wav: Path, box: tuple[int, int, int, int], words: str
) -> None:
    x, y, w, h = box
    request = await _request(video, astronaut_png, short_wav, face=FaceBox(x=x, y=y, width=w, height=h))
    await _rejected(video, request, InvalidInput, "face", words)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _empty_wav(folder: Path) -> Path:
    path = folder / "empty.wav"
    soundfile.write(path, np.zeros(0, dtype=np.float32), 16000)
    return path


def _truncated_wav(folder: Path) -> Path:
    path = folder / "truncated.wav"
    header = b"RIFF" + struct.pack("<I", 1000) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    return _write(path, header + b"data" + struct.pack("<I", 100000) + b"\x01\x02")


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: _write(p / "zero.wav", b""), "empty"),
        (
            lambda p: _write(p / "notes.wav", b"just some text, not audio at all"),
            "not audio in a format the studio reads",
        ),
        (
            lambda p: _write(p / "list.m3u8", b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n"),
            "not audio in a format the studio reads",
        ),
        (
            lambda p: _write(p / "concat.txt", b"ffconcat version 1.0\nfile /etc/passwd\n"),
            "not audio in a format the studio reads",
        ),
        (_empty_wav, "empty"),
        (_truncated_wav, "audio"),
        (lambda p: _write(p / "fake.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64), "audio"),
    ],
    ids=["zero-bytes", "text", "hls-playlist", "concat-list", "no-samples", "truncated", "fake-mp3"],
)
async def test_undecodable_or_empty_audio(
    video: VideoHarness, astronaut_png: Path, tmp_path: Path, make, words
) -> None:  # type: ignore[no-untyped-def]
    await _rejected(video, await _request(video, astronaut_png, make(tmp_path)), InvalidInput, "audio", words)


async def test_image_given_as_audio(video: VideoHarness, astronaut_png: Path) -> None:
    await _rejected(video, await _request(video, astronaut_png, astronaut_png), InvalidInput, "audio")


async def test_silent_audio(video: VideoHarness, astronaut_png: Path, tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    soundfile.write(path, np.zeros(16000, dtype=np.float32), 16000)
    await _rejected(video, await _request(video, astronaut_png, path), InvalidInput, "audio", "silent")


async def test_audio_longer_than_the_maximum(astronaut_png: Path, short_wav: Path, tmp_path: Path) -> None:
    video = make_harness(tmp_path, max_audio_seconds=0.25)
    await _rejected(
        video, await _request(video, astronaut_png, short_wav), InvalidInput, "longer than the maximum", "0.25"
    )


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"width": 513, "height": 512}, "odd"),
        ({"width": 8000, "height": 512}, "out of range"),
        ({"width": 512, "height": 0}, "both width and height"),
        ({"width": -2, "height": -2}, "both"),
        ({"fps": 500}, "fps"),
        ({"fps": -1}, "fps"),
        ({"backend": "deepfake9000"}, "puppet"),
    ],
)
async def test_bad_options(
    video: VideoHarness, astronaut_png: Path, short_wav: Path, fields: dict[str, Any], words: str
) -> None:
    await _rejected(video, await _request(video, astronaut_png, short_wav, **fields), InvalidInput, words)


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [(-1.0, 0.2, "finite"), (0.3, 0.1, "start <= end"), (float("nan"), 0.2, "finite"), (50.0, 51.0, "after the end")],
)
async def test_bad_phoneme_timings(
    video: VideoHarness, astronaut_png: Path, short_wav: Path, start: float, end: float, words: str
) -> None:
    request = await _request(video, astronaut_png, short_wav)
    request.phonemes.append(PhonemeTiming(phoneme="a", start_seconds=start, end_seconds=end))
    await _rejected(video, request, InvalidInput, "phonemes[0]", words)


async def test_undecodable_portrait(video: VideoHarness, short_wav: Path, tmp_path: Path) -> None:
    fake = _write(tmp_path / "portrait.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    await _rejected(video, await _request(video, fake, short_wav), InvalidInput, "portrait", "PNG, JPEG")


async def test_portrait_with_too_many_pixels(astronaut_png: Path, short_wav: Path, tmp_path: Path) -> None:
    video = make_harness(tmp_path, max_image_pixels=100_000)
    await _rejected(video, await _request(video, astronaut_png, short_wav), InvalidInput, "portrait", "262144 pixels")


async def test_tiny_portrait(video: VideoHarness, short_wav: Path, tmp_path: Path) -> None:
    path = tmp_path / "tiny.png"
    Image.new("RGB", (16, 16), (200, 150, 120)).save(path)
    await _rejected(video, await _request(video, path, short_wav), InvalidInput, "at least 32")


async def test_missing_refs(video: VideoHarness, astronaut_png: Path) -> None:
    await _rejected(video, CreateAvatarVideoRequest(portrait=await video.put(astronaut_png)), InvalidInput, "audio")
    request = CreateAvatarVideoRequest(
        portrait=await video.put(astronaut_png), audio=ArtifactRef(key="inputs/nope.wav")
    )
    with pytest.raises(NotFound):
        await video.call("CreateAvatarVideo", request)
    traversal = CreateAvatarVideoRequest(portrait=ArtifactRef(key="../../etc/passwd"), audio=request.audio)
    await _rejected(video, traversal, InvalidInput, "invalid artifact key")
