"""Video test fixtures: the astronaut portrait, espeak speech, and the service wired over a temporary store."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.operations import OperationContext, ServiceDefinition
from studio.v1.common_pb2 import ArtifactRef
from studio.video.service import build_service
from studio.video.settings import VideoSettings
from tests.conftest import require_binary

#: Phrases joined by half-second pauses, so the energy envelope rises and falls.
PHRASES = ("Hello, I am Luna.", "Today we talk about the stars.", "And the moon, too.")


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("video-media")


@pytest.fixture(scope="session")
def astronaut_png(media_dir: Path) -> Path:
    from skimage import data

    path = media_dir / "astronaut.png"
    Image.fromarray(data.astronaut()).save(path)
    return path


@pytest.fixture(scope="session")
def gradient_png(media_dir: Path) -> Path:
    """A portrait with no face in it."""
    ramp = np.linspace(0, 255, 384, dtype=np.float32)
    image = np.stack([np.tile(ramp, (384, 1)), np.tile(ramp[:, None], (1, 384)), np.full((384, 384), 128.0)], axis=2)
    path = media_dir / "gradient.png"
    Image.fromarray(image.astype(np.uint8)).save(path)
    return path


def espeak(text: str, path: Path, voice: str = "en") -> Path:
    binary = require_binary("espeak-ng")
    subprocess.run([binary, "-v", voice, "-s", "150", "-w", str(path), text], check=True, capture_output=True)
    return path


@pytest.fixture(scope="session")
def speech_wav(media_dir: Path) -> Path:
    """About 5 s of real synthetic speech with two pauses."""
    import soundfile

    pieces = []
    rate = 0
    for index, phrase in enumerate(PHRASES):
        samples, rate = soundfile.read(espeak(phrase, media_dir / f"phrase{index}.wav"), dtype="float32")
        pieces += [samples, np.zeros(rate // 2, dtype=np.float32)]
    path = media_dir / "speech.wav"
    soundfile.write(path, np.concatenate(pieces[:-1]), rate, subtype="PCM_16")
    return path


@pytest.fixture(scope="session")
def phrase_wav(media_dir: Path) -> Path:
    """One short phrase (about 1.5 s): for checks that need real speech but not much of it."""
    return espeak(PHRASES[0], media_dir / "phrase.wav")


def decode_audio(path: Path, rate: int = 16_000) -> np.ndarray:
    """Mono float samples of any media file's first audio stream (independent of the service's decoder)."""
    command = [
        "ffmpeg",
        "-v",
        "error",
        "-i",
        str(path),
        "-map",
        "0:a:0",
        "-ac",
        "1",
        "-ar",
        str(rate),
        "-f",
        "f32le",
        "-",
    ]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4")


def decode_frames(path: Path, width: int, height: int) -> np.ndarray:
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, height, width, 3)


def probe_streams(path: Path) -> dict[str, dict[str, str]]:
    """codec_type -> ffprobe fields of the file's first stream of that type."""
    command = [
        "ffprobe", "-v", "error", "-show_entries",
        "stream=codec_type,codec_name,pix_fmt,r_frame_rate,duration,nb_frames,width,height", "-of", "json", str(path),
    ]  # fmt: skip
    import json

    streams = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)["streams"]
    found: dict[str, dict[str, str]] = {}
    for stream in streams:
        found.setdefault(stream["codec_type"], {k: str(v) for k, v in stream.items()})
    return found


class VideoHarness:
    """The service built over a temporary store, called the way the gateway and CLI call it."""

    def __init__(self, store: LocalArtifactStore, definition: ServiceDefinition) -> None:
        self.store = store
        self.definition = definition
        self.progress: list[float] = []

    async def put(self, path: Path) -> ArtifactRef:
        return await self.store.put_file(f"inputs/{path.name}", path)

    async def call(self, rpc: str, request: Any, *, cancelled: Callable[[], bool] = lambda: False) -> Any:
        async def on_progress(progress: Any) -> None:
            self.progress.append(progress.fraction)

        ctx = OperationContext(artifacts=self.store, on_progress=on_progress, is_cancelled=cancelled)
        handler: Callable[..., Coroutine[Any, Any, Any]] = self.definition.operation(rpc).handler
        return await handler(request, ctx)

    def outputs(self) -> list[Path]:
        """Every file under runs/ (what operations wrote)."""
        root = self.store.root / self.store.bucket / "runs"
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

    async def fetch(self, ref: ArtifactRef, dest: Path) -> Path:
        return await self.store.download(ref, dest)


def make_harness(tmp_path: Path, **settings: Any) -> VideoHarness:
    store = LocalArtifactStore(tmp_path / "artifacts")
    options = {"models_dir": tmp_path / "models", **settings}
    return VideoHarness(store, build_service(store, VideoSettings(**options)))


@pytest.fixture
def video(tmp_path: Path) -> VideoHarness:
    return make_harness(tmp_path)
