"""Small real media for composer tests, made once per session with ffmpeg and espeak-ng."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from studio.core.artifacts.local import LocalArtifactStore
from studio.v1.common_pb2 import ArtifactRef


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@dataclass(frozen=True)
class Media:
    still: Path  # 320x240 PNG
    tall_still: Path  # 90x160 PNG
    clip: Path  # 160x120 @ 24 fps, 2 s, with a tone
    square_clip: Path  # 100x100 @ 30 fps, 1.5 s, no audio
    speech: Path  # espeak-ng speech, ~1.5 s
    music: Path  # 440 Hz sine, 1 s (so it must loop)
    corrupt: Path  # an mp4 cut short: no moov atom
    text: Path  # not media at all


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    for tool in ("ffmpeg", "ffprobe", "espeak-ng"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed; run `make install` (scripts/bootstrap-system.sh installs it)")
    root = tmp_path_factory.mktemp("composer-media")
    m = Media(
        still=root / "still.png",
        tall_still=root / "tall.png",
        clip=root / "clip.mp4",
        square_clip=root / "square.mp4",
        speech=root / "speech.wav",
        music=root / "music.wav",
        corrupt=root / "corrupt.mp4",
        text=root / "notes.mp4",
    )
    ffmpeg("-f", "lavfi", "-i", "testsrc2=s=320x240", "-frames:v", "1", str(m.still))
    ffmpeg("-f", "lavfi", "-i", "smptebars=s=90x160", "-frames:v", "1", str(m.tall_still))
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=160x120:r=24:d=2", "-f", "lavfi", "-i", "sine=f=330:d=2",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(m.clip),
    )  # fmt: skip
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=100x100:r=30:d=1.5",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(m.square_clip),
    )  # fmt: skip
    subprocess.run(["espeak-ng", "-w", str(m.speech), "Hello there. This is a test."], check=True)
    ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=1:sample_rate=48000", "-ac", "2", str(m.music))
    m.corrupt.write_bytes(m.clip.read_bytes()[:2000])
    m.text.write_text("this is not a video\n")
    return m


Upload = Callable[[Path], Awaitable[ArtifactRef]]


@pytest.fixture
def upload(artifacts: LocalArtifactStore) -> Upload:
    async def put(path: Path) -> ArtifactRef:
        return await artifacts.put_file(f"inputs/{path.name}", path)

    return put


@pytest.fixture(autouse=True)
def _scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every compose works under tmp_path/scratch, so tests can check it is left empty."""
    scratch = tmp_path / "scratch"
    monkeypatch.setenv("STUDIO_COMPOSER_WORK_DIR", str(scratch))
    return scratch


def probe_json(path: Path) -> dict[str, Any]:
    import json

    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_type,codec_name,width,height,r_frame_rate,nb_read_frames,sample_rate,channels:format=duration",
         "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    data: dict[str, Any] = json.loads(out)
    return data


def loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of a file's audio, measured independently of the service."""
    import re

    log = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-map", "0:a", "-af",
         "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    ).stderr  # fmt: skip
    summary = log[log.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s*(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s*(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak
