"""What every image backend offers, and the small types passed to it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol, cast

from PIL import Image

from studio.core.artifacts import ArtifactStore
from studio.core.operations import OperationContext
from studio.image.models import Profile
from studio.image.validation import GenerateParams
from studio.v1.common_pb2 import ModelInfo


@dataclass(frozen=True)
class EditParams:
    instruction: str
    steps: int
    guidance: float
    seed: int


class StepReporter:
    """Progress and cancellation for code running in a worker thread."""

    def __init__(self, ctx: OperationContext, loop: asyncio.AbstractEventLoop, start: float, end: float) -> None:
        self.ctx, self.loop, self.start, self.end = ctx, loop, start, end

    def step(self, done: int, total: int, stage: str = "denoising") -> None:
        fraction = self.start + (self.end - self.start) * done / max(1, total)
        asyncio.run_coroutine_threadsafe(self.ctx.progress(fraction, stage), self.loop)

    def cancelled(self) -> bool:
        return self.ctx.is_cancelled()

    @classmethod
    def silent(cls) -> StepReporter:
        """For warm-up runs: reports to nobody, never cancelled (progress goes to OperationContext's discard)."""
        return cls(OperationContext(artifacts=cast(ArtifactStore, None)), asyncio.get_running_loop(), 0.0, 1.0)


class ImageBackend(Protocol):
    name: str

    def default_model(self, task: str) -> str:
        """The model used when a request names none ("" = the backend has none for `task`)."""
        ...

    def profile(self, model: str, task: str) -> Profile:
        """Defaults of `model`, after checking it exists and serves `task`."""
        ...

    async def generate(self, model: str, params: GenerateParams, ctx: OperationContext) -> list[Image.Image]: ...

    async def edit(
        self, model: str, image: Image.Image, mask: Image.Image | None, params: EditParams, ctx: OperationContext
    ) -> Image.Image: ...

    async def upscale(
        self, model: str, image: Image.Image, factor: int, prompt: str, ctx: OperationContext
    ) -> Image.Image: ...

    def models(self) -> list[ModelInfo]: ...

    async def close(self) -> None: ...
