"""The fal.ai backend: FLUX.1 [schnell] and [dev] text-to-image, FLUX.1 Kontext [pro] edits, via fal's queue.

fal-client speaks the queue API (submit, status, result, cancel); its HTTP goes
through the studio's provider transport, which retries, checks origins and maps
fal's errors (`detail`, `x-fal-error-type`, content_policy_violation).
Each image is one queue request, so every image keeps its own seed.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
from pathlib import Path
from typing import Any

import fal_client
import httpx
from PIL import Image

from studio.core.costs import priced
from studio.core.errors import FailedPrecondition, InvalidInput
from studio.core.operations import OperationContext
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.polling import Span, Status, wait_for
from studio.core.providers.secrets import resolve_key
from studio.core.providers.settings import ProviderSettings
from studio.core.providers.transport import (
    Answer,
    Failure,
    Kind,
    api_client,
    detail_of,
    error_for,
    http_convention,
    provider_errors,
)
from studio.image.backends.base import EditParams
from studio.image.backends.hosted import HostedModel, data_uri, fetch_image, fit, model_for, model_infos
from studio.image.models import Profile
from studio.image.validation import GenerateParams
from studio.v1.common_pb2 import CostItem, ModelInfo

FAL = PROVIDERS["fal"]
#: fal-client hard-codes this origin; the transport sends it to STUDIO_FAL_URL.
QUEUE_ORIGIN = "https://queue.fal.run"
SCHNELL, DEV, KONTEXT = "fal-ai/flux/schnell", "fal-ai/flux/dev", "fal-ai/flux-pro/kontext"
MODELS = {
    m.name: m
    for m in (
        HostedModel(SCHNELL, "text-to-image", Profile(steps=4, guidance=0.0), "FLUX.1 [schnell] on fal.ai", 12),
        HostedModel(DEV, "text-to-image", Profile(steps=28, guidance=3.5), "FLUX.1 [dev] on fal.ai", 50),
        HostedModel(KONTEXT, "image-edit", Profile(steps=28, guidance=3.5), "FLUX.1 Kontext [pro] edits on fal.ai"),
    )
}
POLICY_TYPES = {"content_policy_violation", "image_unsafe", "prompt_unsafe"}
#: Kontext's accepted aspect ratios, as width/height.
KONTEXT_RATIOS = {"21:9": 21 / 9, "16:9": 16 / 9, "4:3": 4 / 3, "3:2": 3 / 2, "1:1": 1.0,
                  "2:3": 2 / 3, "3:4": 3 / 4, "9:16": 9 / 16, "9:21": 9 / 21}  # fmt: skip


def fal_convention(answer: Answer) -> Failure | None:
    """fal's errors: `detail` (a string or a list of {loc, msg, type}) and an `x-fal-error-type` header."""
    failure = http_convention(answer)
    if failure is None:
        return None
    body = answer.json()
    types = {answer.headers.get("x-fal-error-type", "")}
    if isinstance(body, dict):
        types.add(str(body.get("error_type", "")))
        if isinstance(body.get("detail"), list):
            types |= {str(item.get("type", "")) for item in body["detail"] if isinstance(item, dict)}
    if types & POLICY_TYPES:
        return Failure(Kind.POLICY, failure.detail, failure.code)
    if "generation_timeout" in types:  # fal ran out of time on its side: not worth paying again at once
        return Failure(Kind.FAILED, failure.detail, failure.code)
    return failure


async def _ready(value: Any) -> Any:
    return value


class _Client(fal_client.AsyncClient):
    """fal's client over the studio's HTTP client (its own would retry and connect by itself)."""

    def __init__(self, http: httpx.AsyncClient, timeout: float) -> None:
        super().__init__(key="-", default_timeout=timeout)  # the Authorization header is on `http`
        self._http = http

    @property  # type: ignore[override]
    def _client(self) -> Any:
        return _ready(self._http)


class FalBackend:
    name = "fal"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    def default_model(self, task: str) -> str:
        return {"text-to-image": SCHNELL, "image-edit": KONTEXT}.get(task, "")

    def profile(self, model: str, task: str) -> Profile:
        if task == "upscale":
            raise FailedPrecondition("the fal backend does not upscale; use backend 'replicate' or 'draft'")
        return model_for(self.name, MODELS, model, task).profile

    def models(self) -> list[ModelInfo]:
        return model_infos(self.name, MODELS, bool(self.settings.key(FAL)))

    def estimate(self, model: str, task: str, width: int, height: int, count: int) -> list[CostItem]:
        """FLUX is priced per (whole) megapixel, Kontext per image."""
        model_for(self.name, MODELS, model, task)
        if model == KONTEXT:
            return [priced(f"fal:{model}", count, "estimate", self.settings)]
        return [priced(f"fal:{model}", math.ceil(width * height / 1e6) * count, "estimate", self.settings)]

    async def close(self) -> None:
        return None

    def _http(self, ctx: OperationContext) -> httpx.AsyncClient:
        key = resolve_key(FAL.name, FAL.title, self.settings.key(FAL), ctx.credentials, FAL.key_variables())
        return api_client(
            FAL, self.settings, headers={"Authorization": f"Key {key}"}, convention=fal_convention,
            rewrite_from=QUEUE_ORIGIN,
        )  # fmt: skip

    async def _run(self, model: str, arguments: dict[str, Any], ctx: OperationContext, span: Span) -> dict[str, Any]:
        async with self._http(ctx) as http, provider_errors(FAL):
            client = _Client(http, self.settings.provider_request_timeout)
            handle = await client.submit(model, arguments)

            async def poll() -> Status:
                status = await handle.status()
                if isinstance(status, fal_client.Queued):
                    return Status("queued", position=status.position)
                if isinstance(status, fal_client.InProgress):
                    return Status("running")
                assert isinstance(status, fal_client.Completed)
                if status.error:
                    kind = Kind.POLICY if status.error_type in POLICY_TYPES else Kind.FAILED
                    return Status(
                        "failed", failure=error_for(FAL, Failure(kind, status.error, status.error_type or ""))
                    )
                return Status("done")

            await wait_for(FAL, poll, ctx, self.settings, cancel=handle.cancel, span=span)
            output: dict[str, Any] = await handle.get()
        return output

    async def _image(self, output: dict[str, Any], ctx: OperationContext, name: str, workdir: Path) -> Image.Image:
        flagged = output.get("has_nsfw_concepts") or []
        if any(flagged):
            raise InvalidInput("fal.ai's safety checker flagged the image (it came back blank); change the prompt")
        images = output.get("images") or []
        if not images or not isinstance(images[0], dict) or not images[0].get("url"):
            raise InvalidInput(f"fal.ai returned no image ({detail_of(output, '')[:200]})")
        return await fetch_image(FAL, str(images[0]["url"]), ctx, name, self.settings, workdir)

    async def generate(self, model: str, params: GenerateParams, ctx: OperationContext) -> list[Image.Image]:
        spec = model_for(self.name, MODELS, model, "text-to-image")
        if params.steps > spec.max_steps:
            raise InvalidInput(f"steps: {model} accepts at most {spec.max_steps}; got {params.steps}")

        async def one(index: int, seed: int, workdir: Path) -> Image.Image:
            arguments: dict[str, Any] = {
                "prompt": params.prompt,
                "image_size": {"width": params.width, "height": params.height},
                "num_inference_steps": params.steps,
                "seed": seed,
                "num_images": 1,
                "enable_safety_checker": True,
                "output_format": "png",
            }
            if model == DEV:
                arguments["guidance_scale"] = params.guidance
            share = Span(0.05 + 0.85 * index / len(params.seeds), 0.05 + 0.85 * (index + 1) / len(params.seeds), 8.0)
            output = await self._run(model, arguments, ctx, share)
            image = await self._image(output, ctx, f"image-{index}.png", workdir)
            for item in self.estimate(model, "text-to-image", params.width, params.height, 1):
                ctx.costs.add(item)
            return fit(image, params.width, params.height)

        with tempfile.TemporaryDirectory(prefix="studio-fal-") as tmp:
            return list(await asyncio.gather(*(one(i, s, Path(tmp)) for i, s in enumerate(params.seeds))))

    async def edit(
        self, model: str, image: Image.Image, mask: Image.Image | None, params: EditParams, ctx: OperationContext
    ) -> Image.Image:
        model_for(self.name, MODELS, model, "image-edit")
        if mask is not None:
            raise InvalidInput("mask: the fal backend edits by instruction (Kontext) and cannot inpaint a mask")
        aspect = image.width / image.height
        ratio = min(KONTEXT_RATIOS, key=lambda name: abs(KONTEXT_RATIOS[name] - aspect))
        arguments = {
            "prompt": params.instruction,
            "image_url": data_uri(image),
            "guidance_scale": params.guidance,
            "seed": params.seed,
            "num_images": 1,
            "aspect_ratio": ratio,
            "output_format": "png",
        }
        output = await self._run(model, arguments, ctx, Span(0.1, 0.9, 15.0))
        with tempfile.TemporaryDirectory(prefix="studio-fal-") as tmp:
            edited = await self._image(output, ctx, "edit.png", Path(tmp))
        for item in self.estimate(model, "image-edit", image.width, image.height, 1):
            ctx.costs.add(item)
        return fit(edited, image.width, image.height)

    async def upscale(
        self, model: str, image: Image.Image, factor: int, prompt: str, ctx: OperationContext
    ) -> Image.Image:
        raise FailedPrecondition("the fal backend does not upscale; use backend 'replicate' or 'draft'")
