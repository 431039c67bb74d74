"""The small protocols every speech and music backend implements.

Backend methods are synchronous and CPU/GPU-bound; the service calls them through
`asyncio.to_thread`, so they must not touch the event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from studio.audio.speech import Speech
from studio.audio.voices import VoiceProfile
from studio.core.operations import OperationContext
from studio.v1.common_pb2 import ModelInfo

#: Called from a backend thread with a fraction 0..1 of the backend's own work.
ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class SpeechParams:
    """Generation parameters, with None meaning "the backend's default"."""

    cfg_weight: float | None = None
    temperature: float | None = None
    exaggeration: float | None = None
    speed: float = 1.0
    seed: int | None = None


@dataclass(frozen=True)
class SpeechJob:
    """Everything about a synthesis except the text of one chunk."""

    language: str
    params: SpeechParams
    profile: VoiceProfile | None = None
    #: A backend voice name (e.g. espeak's "pt-br+f3"), or "".
    preset: str = ""
    #: Local copy of the profile's cleaned reference, for cloning backends.
    reference: Path | None = None


class SpeechBackend(Protocol):
    name: str
    #: Longest text one `synthesize` call should receive (longer text is split at sentences).
    chunk_chars: int
    #: Crossfade between consecutive chunks, in seconds.
    crossfade: float
    #: Whether `synthesize` reads `SpeechJob.reference` (the service downloads it only then).
    needs_reference: bool

    def load(self) -> None:
        """Load weights / libraries once and warm up; raise ModelNotInstalled or ConfigError."""

    def check(self, job: SpeechJob) -> None:
        """Reject a job this backend cannot serve (InvalidInput) before any work is done."""

    def synthesize(self, text: str, job: SpeechJob) -> Speech:
        """Speak one chunk of text."""
        ...

    def models(self) -> list[ModelInfo]:
        """What this backend can load, for ListAudioModels."""
        ...


class MusicBackend(Protocol):
    name: str

    def load(self) -> None:
        """Load weights once and warm up."""

    def generate(
        self,
        description: str,
        seconds: float,
        sample_rate: int,
        seed: int | None,
        progress: ProgressCallback,
    ) -> np.ndarray:
        """A track of exactly round(seconds * sample_rate) frames, float32, shaped (frames, 2)."""
        ...

    def models(self) -> list[ModelInfo]:
        """What this backend can load, for ListAudioModels."""
        ...


@runtime_checkable
class HostedSpeechBackend(Protocol):
    """A speech backend that calls a hosted API: it awaits the provider instead of holding a thread."""

    name: str
    chunk_chars: int
    crossfade: float
    needs_reference: bool

    def load(self) -> None: ...

    def check(self, job: SpeechJob) -> None: ...

    async def speak(self, text: str, job: SpeechJob, ctx: OperationContext) -> Speech:
        """Speak one chunk of text, adding what it cost to `ctx.costs`."""
        ...

    def models(self) -> list[ModelInfo]: ...


@runtime_checkable
class HostedMusicBackend(Protocol):
    """A music backend that calls a hosted API (see HostedSpeechBackend)."""

    name: str

    def load(self) -> None: ...

    async def compose(
        self, description: str, seconds: float, sample_rate: int, seed: int | None, ctx: OperationContext
    ) -> np.ndarray:
        """Like MusicBackend.generate; progress and cost go to `ctx`."""
        ...

    def models(self) -> list[ModelInfo]: ...
