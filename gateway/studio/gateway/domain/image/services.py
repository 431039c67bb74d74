"""Image requests built from REST bodies (inputs resolved to the caller's own assets)."""

from __future__ import annotations

import uuid

from studio.gateway.context import Gateway
from studio.gateway.domain.image.schemas import EditImageRequest, GenerateImageRequest, UpscaleImageRequest
from studio.gateway.store.assets import ref_of
from studio.v1 import image_pb2

IMAGE_FORMATS = {
    "png": image_pb2.IMAGE_FORMAT_PNG,
    "jpeg": image_pb2.IMAGE_FORMAT_JPEG,
    "webp": image_pb2.IMAGE_FORMAT_WEBP,
}


def generate_request(data: GenerateImageRequest) -> image_pb2.GenerateRequest:
    request = image_pb2.GenerateRequest(
        prompt=data.prompt,
        negative_prompt=data.negative_prompt,
        width=data.width,
        height=data.height,
        steps=data.steps,
        count=data.count,
        model=data.model,
        backend=data.backend,
        format=IMAGE_FORMATS[data.format],  # type: ignore[arg-type]
    )
    if data.guidance is not None:
        request.guidance = data.guidance
    if data.seed is not None:
        request.seed = data.seed
    return request


async def edit_request(gateway: Gateway, owner_id: uuid.UUID, data: EditImageRequest) -> image_pb2.EditRequest:
    image = await gateway.assets.input(owner_id, data.image_asset_id, "image", "image_asset_id")
    request = image_pb2.EditRequest(
        image=ref_of(image),
        instruction=data.instruction,
        steps=data.steps,
        model=data.model,
        backend=data.backend,
        format=IMAGE_FORMATS[data.format],  # type: ignore[arg-type]
    )
    if data.mask_asset_id:
        mask = await gateway.assets.input(owner_id, data.mask_asset_id, "image", "mask_asset_id")
        request.mask.CopyFrom(ref_of(mask))
    if data.guidance is not None:
        request.guidance = data.guidance
    if data.seed is not None:
        request.seed = data.seed
    return request


async def upscale_request(gateway: Gateway, owner_id: uuid.UUID, data: UpscaleImageRequest) -> image_pb2.UpscaleRequest:
    image = await gateway.assets.input(owner_id, data.image_asset_id, "image", "image_asset_id")
    return image_pb2.UpscaleRequest(
        image=ref_of(image),
        factor=data.factor,
        model=data.model,
        backend=data.backend,
        format=IMAGE_FORMATS[data.format],  # type: ignore[arg-type]
    )
