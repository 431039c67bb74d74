"""The draft backend: procedural illustrations and Lanczos upscaling on the CPU, no weights.

It is what the studio runs on a machine without models, so the product works
end to end; everything it makes is labelled a draft. It does not pretend to
edit images.
"""

from __future__ import annotations

import asyncio

from PIL import Image

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.core.operations import OperationContext
from studio.image.backends.base import EditParams
from studio.image.draft import render_draft
from studio.image.models import Profile
from studio.image.validation import GenerateParams
from studio.v1.common_pb2 import ModelInfo

DRAFT_MODEL = "draft"
LANCZOS_MODEL = "lanczos"
_PROFILE = Profile(steps=1, guidance=0.0, size=1024)
NO_EDIT_MODEL = (
    "no image-edit model installed; run `studio models download flux-kontext-dev` "
    "(the draft backend cannot edit images)"
)


class DraftBackend:
    name = "draft"

    def default_model(self, task: str) -> str:
        return {"text-to-image": DRAFT_MODEL, "upscale": LANCZOS_MODEL}.get(task, "")

    def profile(self, model: str, task: str) -> Profile:
        if task == "image-edit":
            raise FailedPrecondition(NO_EDIT_MODEL)
        expected = self.default_model(task)
        if model != expected:
            raise InvalidInput(f"model: the draft backend has no model {model!r}; it uses {expected!r} for {task}")
        return _PROFILE

    async def generate(self, model: str, params: GenerateParams, ctx: OperationContext) -> list[Image.Image]:
        images = []
        for index, seed in enumerate(params.seeds):
            ctx.raise_if_cancelled()
            image = await asyncio.to_thread(render_draft, params.prompt, seed, params.width, params.height)
            images.append(image)
            await ctx.progress((index + 1) / len(params.seeds) * 0.9, "painting")
        return images

    async def edit(
        self, model: str, image: Image.Image, mask: Image.Image | None, params: EditParams, ctx: OperationContext
    ) -> Image.Image:
        raise FailedPrecondition(NO_EDIT_MODEL)

    async def upscale(
        self, model: str, image: Image.Image, factor: int, prompt: str, ctx: OperationContext
    ) -> Image.Image:
        size = (image.width * factor, image.height * factor)
        return await asyncio.to_thread(image.resize, size, Image.Resampling.LANCZOS)

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name=DRAFT_MODEL,
                backend=self.name,
                task="text-to-image",
                installed=True,
                description="procedural illustration of the prompt (palette, composition, caption); labelled draft",
            ),
            ModelInfo(
                name=LANCZOS_MODEL,
                backend=self.name,
                task="upscale",
                installed=True,
                description="Lanczos resampling, x2 or x4",
            ),
        ]

    async def close(self) -> None:
        return None
