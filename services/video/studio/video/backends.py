"""The seams: what a talking-head backend and an image-animation backend are given and must produce.

Backends only make frames. Decoding, validation, framing, encoding and
storage are shared, so every backend gets the same checks and output format.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from studio.video.face.layout import FaceLayout
from studio.video.lipsync.tracks import PhonemeSpan
from studio.video.media.audio import Speech


@dataclass(frozen=True)
class AvatarJob:
    """One talking head to render: the framed portrait, where its face is, and the speech."""

    #: The portrait already fitted to the output size (RGB uint8, H x W x 3).
    canvas: np.ndarray
    #: The face in canvas coordinates.
    layout: FaceLayout
    speech: Speech
    fps: int
    frames: int
    phonemes: list[PhonemeSpan] = field(default_factory=list)
    seed: int = 0


class AvatarBackend(Protocol):
    name: str

    def driver(self, job: AvatarJob) -> str:
        """What moves the mouth for this job ("phonemes", "energy", "audio"), reported back to the caller."""
        ...

    def frames(self, job: AvatarJob) -> Iterator[np.ndarray]:
        """Yield exactly `job.frames` RGB frames of the canvas size (a yielded array may be reused afterwards)."""
        ...


@dataclass(frozen=True)
class AnimateJob:
    """One still image to animate."""

    image: np.ndarray
    motion: str
    size: tuple[int, int]
    fps: int
    frames: int
    seed: int = 0
    #: Set when the run is cancelled; long single steps (a diffusion loop) check it between iterations.
    cancel: threading.Event = field(default_factory=threading.Event)


class AnimateBackend(Protocol):
    name: str

    def describe(self, job: AnimateJob) -> str:
        """What motion will be rendered, in words (reported back to the caller)."""
        ...

    def frames(self, job: AnimateJob) -> Iterator[np.ndarray]:
        """Yield exactly `job.frames` RGB frames of `job.size`."""
        ...
