"""What every hosted image-to-video backend shares: the job it gets, the still it sends, the clip it conforms.

A provider returns a clip of its own length, size and frame rate (Kling: 5 or
10 s). The service asks for the shortest length that covers the scene when
played up to MAX_STRETCH slower, then
conforms the clip to the request: cover-cropped to the size, at the frame rate,
slowed down evenly when shorter than the scene and cut when longer, so the
composer receives exactly the frames it planned for.
"""

from __future__ import annotations

import base64
import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image

from studio.core.errors import InvalidInput, ProviderFailed
from studio.core.media import MP4, VIDEO, input_args, probe, require
from studio.core.operations import OperationContext
from studio.v1.common_pb2 import ArtifactRef, CostItem, ModelInfo
from studio.video.backends import AnimateJob

#: Longest side of the still sent to a provider (they downscale anyway; keeps requests small).
MAX_STILL_SIDE = 2048
#: How much slower than made a clip may play to fill its scene before a longer clip is bought.
MAX_STRETCH = 1.35
#: What names a provider's clip in errors.
CLIP = "the provider's clip"


@dataclass(frozen=True)
class ClipJob:
    """One clip to ask a provider for."""

    image: np.ndarray
    #: The still in the artifact store (providers that fetch inputs by URL get a presigned link).
    image_ref: ArtifactRef
    motion: str
    #: Seconds the scene needs; the provider's clip length is chosen to cover it.
    seconds: float
    size: tuple[int, int]
    seed: int


@runtime_checkable
class HostedAnimateBackend(Protocol):
    name: str

    def describe(self, job: ClipJob) -> str: ...

    def estimate(self, seconds: float) -> list[CostItem]:
        """The clip's price at the provider, for a scene of `seconds` (the clip length covering it)."""
        ...

    async def clip(self, job: ClipJob, ctx: OperationContext, workdir: Path) -> Path:
        """Make the clip at the provider, store it as delivered, return a local copy."""
        ...

    def models(self) -> list[ModelInfo]: ...


def shortest_covering(seconds: float, offered: tuple[int, ...]) -> int:
    """The shortest clip length the provider offers that covers `seconds` once slowed by up to MAX_STRETCH.

    A 6.5 s scene gets a 5 s clip at 0.77x speed rather than a 10 s clip at twice the price.
    """
    return next((length for length in sorted(offered) if length * MAX_STRETCH >= seconds - 1e-6), max(offered))


def still_jpeg(image: np.ndarray) -> bytes:
    picture = Image.fromarray(image)
    if max(picture.size) > MAX_STILL_SIDE:
        picture.thumbnail((MAX_STILL_SIDE, MAX_STILL_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def still_base64(image: np.ndarray) -> str:
    return base64.b64encode(still_jpeg(image)).decode("ascii")


def still_data_uri(image: np.ndarray) -> str:
    return "data:image/jpeg;base64," + still_base64(image)


def nearest(options: dict[str, float], width: int, height: int) -> str:
    """The option whose aspect ratio is closest to width/height."""
    return min(options, key=lambda name: abs(options[name] - width / height))


def conformed_frames(path: Path, job: AnimateJob, seconds: float) -> Iterator[np.ndarray]:
    """Exactly `job.frames` RGB frames of `job.size` from the clip (see the module docstring)."""
    width, height = job.size
    target = job.frames / job.fps
    stretch = max(1.0, target / seconds)
    filters = (
        f"setpts={stretch:.6f}*PTS,fps={job.fps},"
        f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},"
        "tpad=stop_mode=clone:stop=-1"
    )
    command = ["ffmpeg", "-nostdin", "-v", "error", *input_args(path, MP4), "-an", "-vf", filters,
               "-frames:v", str(job.frames), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]  # fmt: skip
    size = width * height * 3
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    try:
        for _ in range(job.frames):
            if job.cancel.is_set():
                return
            buffer = process.stdout.read(size)
            if len(buffer) < size:
                raise ProviderFailed("the provider's clip could not be decoded to the requested frames")
            yield np.frombuffer(buffer, dtype=np.uint8).reshape(height, width, 3)
    finally:
        process.kill()
        process.wait()


async def measured(path: Path) -> float:
    """The clip's length, read through the media policy (provider clips are MP4: nothing else is read)."""
    try:
        if require(path, VIDEO, CLIP) is not MP4:
            raise InvalidInput(f"{CLIP} is not an MP4")
        seconds = (await probe(path, MP4, CLIP)).duration
    except InvalidInput as error:
        raise ProviderFailed(f"{CLIP} is not a readable MP4: {error.message}") from None
    if seconds <= 0:
        raise ProviderFailed(f"{CLIP} is empty")
    return seconds


def check_motion(motion: str, limit: int) -> str:
    text = " ".join(motion.split())
    if len(text) > limit:
        raise InvalidInput(f"motion: {len(text)} characters; this provider accepts at most {limit}")
    return text
