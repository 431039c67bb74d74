"""The Replicate backend: FLUX.1 [schnell] and [dev] text-to-image, Real-ESRGAN upscaling.

FLUX models on Replicate take an aspect ratio, not a size: the closest ratio is
asked for and the result cover-cropped to the requested size.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image

from studio.core.costs import priced
from studio.core.errors import FailedPrecondition, InvalidInput, ProviderFailed
from studio.core.operations import OperationContext
from studio.core.providers.polling import Span
from studio.core.providers.replicate import REPLICATE, ModelRef, output_urls, record_predict_time, run_prediction
from studio.core.providers.settings import ProviderSettings
from studio.image.backends.base import EditParams
from studio.image.backends.hosted import HostedModel, data_uri, fetch_image, fit, model_for, model_infos
from studio.image.models import Profile
from studio.image.validation import GenerateParams
from studio.v1.common_pb2 import CostItem, ModelInfo

SCHNELL, DEV = "black-forest-labs/flux-schnell", "black-forest-labs/flux-dev"
ESRGAN = "nightmareai/real-esrgan"
#: Community models are pinned to a version (https://replicate.com/nightmareai/real-esrgan/versions).
ESRGAN_VERSION = "42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b"
MODELS = {
    m.name: m
    for m in (
        HostedModel(SCHNELL, "text-to-image", Profile(steps=4, guidance=0.0), "FLUX.1 [schnell] on Replicate", 4),
        HostedModel(DEV, "text-to-image", Profile(steps=28, guidance=3.0), "FLUX.1 [dev] on Replicate", 50),
        HostedModel(ESRGAN, "upscale", Profile(steps=1, guidance=0.0), "Real-ESRGAN x2/x4 upscaling on Replicate"),
    )
}
ASPECT_RATIOS = {"1:1": 1.0, "16:9": 16 / 9, "21:9": 21 / 9, "3:2": 3 / 2, "2:3": 2 / 3, "4:5": 4 / 5,
                 "5:4": 5 / 4, "3:4": 3 / 4, "4:3": 4 / 3, "9:16": 9 / 16, "9:21": 9 / 21}  # fmt: skip
#: Seconds of T4 time an upscale usually takes, for the estimate when Replicate reports none.
UPSCALE_SECONDS = 8.0


def aspect_ratio(width: int, height: int) -> str:
    return min(ASPECT_RATIOS, key=lambda name: abs(ASPECT_RATIOS[name] - width / height))


class ReplicateBackend:
    name = "replicate"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    def default_model(self, task: str) -> str:
        return {"text-to-image": SCHNELL, "upscale": ESRGAN}.get(task, "")

    def profile(self, model: str, task: str) -> Profile:
        if task == "image-edit":
            raise FailedPrecondition("the replicate backend does not edit images; use backend 'fal' (Kontext)")
        return model_for(self.name, MODELS, model, task).profile

    def models(self) -> list[ModelInfo]:
        return model_infos(self.name, MODELS, bool(self.settings.key(REPLICATE)))

    def estimate(self, model: str, task: str, width: int, height: int, count: int) -> list[CostItem]:
        """FLUX per image; Real-ESRGAN by the GPU time Replicate bills (estimated here, reported after)."""
        model_for(self.name, MODELS, model, task)
        if model == ESRGAN:
            return [priced(f"replicate:{model}", UPSCALE_SECONDS * count, "estimate", self.settings)]
        return [priced(f"replicate:{model}", count, "estimate", self.settings)]

    async def close(self) -> None:
        return None

    async def _one_image(self, model: str, inputs: dict[str, Any], ctx: OperationContext, span: Span,
                         name: str, workdir: Path, version: str = "") -> tuple[Image.Image, Any]:  # fmt: skip
        prediction = await run_prediction(ModelRef(model, version), inputs, ctx, self.settings, span)
        urls = output_urls(prediction)
        if not urls:
            raise ProviderFailed(f"{REPLICATE.title} returned no image for {model}")
        return await fetch_image(REPLICATE, urls[0], ctx, name, self.settings, workdir), prediction

    async def generate(self, model: str, params: GenerateParams, ctx: OperationContext) -> list[Image.Image]:
        spec = model_for(self.name, MODELS, model, "text-to-image")
        if params.steps > spec.max_steps:
            raise InvalidInput(f"steps: {model} accepts at most {spec.max_steps}; got {params.steps}")
        count = len(params.seeds)

        async def one(index: int, seed: int, workdir: Path) -> Image.Image:
            inputs: dict[str, Any] = {
                "prompt": params.prompt,
                "aspect_ratio": aspect_ratio(params.width, params.height),
                "num_outputs": 1,
                "num_inference_steps": params.steps,
                "seed": seed,
                "output_format": "png",
            }
            if model == DEV:
                inputs["guidance"] = params.guidance
            span = Span(0.05 + 0.85 * index / count, 0.05 + 0.85 * (index + 1) / count, 6.0)
            image, _ = await self._one_image(model, inputs, ctx, span, f"image-{index}.png", workdir)
            for item in self.estimate(model, "text-to-image", params.width, params.height, 1):
                ctx.costs.add(item)
            return fit(image, params.width, params.height)

        with tempfile.TemporaryDirectory(prefix="studio-replicate-") as tmp:
            return list(await asyncio.gather(*(one(i, s, Path(tmp)) for i, s in enumerate(params.seeds))))

    async def edit(
        self, model: str, image: Image.Image, mask: Image.Image | None, params: EditParams, ctx: OperationContext
    ) -> Image.Image:
        raise FailedPrecondition("the replicate backend does not edit images; use backend 'fal' (Kontext)")

    async def upscale(
        self, model: str, image: Image.Image, factor: int, prompt: str, ctx: OperationContext
    ) -> Image.Image:
        model_for(self.name, MODELS, model, "upscale")
        inputs = {"image": data_uri(image), "scale": factor, "face_enhance": False}
        with tempfile.TemporaryDirectory(prefix="studio-replicate-") as tmp:
            upscaled, prediction = await self._one_image(
                model, inputs, ctx, Span(0.1, 0.9, 10.0), "upscale.png", Path(tmp), ESRGAN_VERSION
            )
        record_predict_time(prediction, f"replicate:{model}", UPSCALE_SECONDS, ctx, self.settings)
        return fit(upscaled, image.width * factor, image.height * factor)
