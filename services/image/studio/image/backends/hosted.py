"""What the hosted image backends (fal.ai, Replicate) share: inputs as data URIs, results as images, models.

The provider mechanics (retries, polling, safe downloads, keys) are in
`studio.core.providers`; this module only adapts them to the image backend seam.
"""

from __future__ import annotations

import asyncio
import base64
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

from studio.core.errors import InvalidInput, ProviderFailed
from studio.core.operations import OperationContext
from studio.core.providers.catalog import ProviderInfo
from studio.core.providers.download import keep_result
from studio.core.providers.settings import ProviderSettings
from studio.image.formats import load_input
from studio.image.models import Profile
from studio.v1.common_pb2 import ModelInfo

#: Largest input image sent to a provider, on its longer side (they downscale anyway).
MAX_INPUT_SIDE = 2048


@dataclass(frozen=True)
class HostedModel:
    #: The provider's model id: "fal-ai/flux/schnell".
    name: str
    task: str
    profile: Profile
    description: str
    #: Largest step count the model accepts.
    max_steps: int = 50


def data_uri(image: Image.Image) -> str:
    """A PNG data URI of `image` (no upload, no public URL needed), downscaled to MAX_INPUT_SIDE."""
    if max(image.size) > MAX_INPUT_SIDE:
        image = image.copy()
        image.thumbnail((MAX_INPUT_SIDE, MAX_INPUT_SIDE), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """Cover-crop to the requested size (providers round sizes or only offer aspect ratios)."""
    if image.size == (width, height):
        return image
    return ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)


async def fetch_image(
    info: ProviderInfo, url: str, ctx: OperationContext, name: str, settings: ProviderSettings, workdir: Path
) -> Image.Image:
    """Store a result image as delivered, then decode it with the same checks as an upload."""
    _, path = await keep_result(info, url, ctx, name, settings, workdir)
    try:
        return await asyncio.to_thread(load_input, path, "result", max_bytes=64 * 1024 * 1024, max_pixels=8192 * 8192)
    except InvalidInput as error:
        raise ProviderFailed(f"{info.title} returned an unreadable image ({error.message})") from None


def model_for(backend: str, models: dict[str, HostedModel], name: str, task: str) -> HostedModel:
    model = models.get(name)
    if model is None or model.task != task:
        known = ", ".join(m.name for m in models.values() if m.task == task) or "none"
        raise InvalidInput(f"model: the {backend} backend has no {task} model {name!r}; choose one of: {known}")
    return model


def model_infos(backend: str, models: dict[str, HostedModel], has_key: bool) -> list[ModelInfo]:
    return [
        ModelInfo(name=m.name, backend=backend, task=m.task, installed=has_key, description=m.description)
        for m in models.values()
    ]
