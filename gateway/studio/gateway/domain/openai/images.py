"""POST /v1/images/generations as a studio Generate job, answered with URLs or base64 as OpenAI does."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

from litestar import Request

from studio.gateway.context import Gateway
from studio.gateway.domain.openai.errors import OpenAIError
from studio.gateway.domain.openai.jobs import output_assets
from studio.gateway.domain.openai.schemas import ImageData, ImageRequest, ImagesResponse
from studio.gateway.jobs.submit import submit_job
from studio.gateway.signed_links import download_url
from studio.gateway.store.assets import ref_of
from studio.v1 import image_pb2

OPENAI_IMAGE_MODELS = ("dall-e", "gpt-image")
IMAGE_FORMATS = {
    "png": image_pb2.IMAGE_FORMAT_PNG,
    "jpeg": image_pb2.IMAGE_FORMAT_JPEG,
    "webp": image_pb2.IMAGE_FORMAT_WEBP,
}
#: How long a presigned image URL lives (OpenAI's last an hour too).
URL_SECONDS = 3600
_SIZE = re.compile(r"^(\d{2,4})x(\d{2,4})$")


def image_model(model: str | None) -> str:
    """The studio model a `model` names: OpenAI's image models get the default."""
    return "" if not model or model.startswith(OPENAI_IMAGE_MODELS) else model


def response_format(data: ImageRequest) -> str:
    """OpenAI's default: gpt-image models answer only in base64, the others with URLs."""
    if data.response_format:
        return data.response_format
    return "b64_json" if (data.model or "").startswith("gpt-image") else "url"


def _size(size: str | None) -> tuple[int, int]:
    if size is None or size == "auto":
        return 0, 0
    match = _SIZE.match(size)
    if match:
        width, height = int(match.group(1)), int(match.group(2))
        if all(64 <= v <= 2048 and v % 16 == 0 for v in (width, height)):
            return width, height
    raise OpenAIError(
        f"Invalid value: '{size}'. Supported values are: 'auto' and WIDTHxHEIGHT with each side a multiple of 16 "
        "from 64 to 2048 (e.g. '1024x1024', '1792x1024').",
        param="size",
        code="invalid_value",
    )


async def image_job(gateway: Gateway, owner_id: uuid.UUID, data: ImageRequest) -> uuid.UUID:
    width, height = _size(data.size)
    request = image_pb2.GenerateRequest(
        prompt=data.prompt,
        width=width,
        height=height,
        count=data.n or 1,
        model=image_model(data.model),
        format=IMAGE_FORMATS[data.output_format or "png"],
    )
    return await submit_job(gateway, owner_id, "image", "Generate", request)


async def _url(gateway: Gateway, request: Request[Any, Any, Any], job: Any, asset: Any) -> str:
    """A URL a client can fetch without credentials, as OpenAI's: presigned on S3, else a signed link."""
    base = gateway.settings.public_url or str(request.base_url)
    return await download_url(gateway, asset["key"], job["owner_id"], URL_SECONDS, base)


async def images_response(
    gateway: Gateway, request: Request[Any, Any, Any], job: Any, data: ImageRequest
) -> ImagesResponse:
    items: list[ImageData] = []
    as_base64 = response_format(data) == "b64_json"
    for asset in await output_assets(gateway, job["id"], "image"):
        if as_base64:
            encoded = base64.b64encode(await gateway.artifacts.get_bytes(ref_of(asset))).decode()
            items.append(ImageData(b64_json=encoded))
        else:
            items.append(ImageData(url=await _url(gateway, request, job, asset)))
    return ImagesResponse(created=int(job["created_at"].timestamp()), data=items)
