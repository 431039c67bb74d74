"""Request shapes of the image endpoints."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from studio.gateway.jobs.schemas import JobOptions
from studio.gateway.requests import Uuid

ImageFormatName = Literal["png", "jpeg", "webp"]
#: 0 = the model's default.
Dimension = Annotated[int, msgspec.Meta(ge=0, le=2048, multiple_of=16)]
Steps = Annotated[int, msgspec.Meta(ge=0, le=150)]
Guidance = Annotated[float, msgspec.Meta(ge=0.0, le=30.0)]
Seed = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Prompt = Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=r"\S")]
AssetId = Uuid


class GenerateImageRequest(JobOptions, kw_only=True):
    prompt: Prompt
    negative_prompt: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    width: Dimension = 0
    height: Dimension = 0
    steps: Steps = 0
    guidance: Guidance | None = None
    seed: Seed | None = None
    count: Annotated[int, msgspec.Meta(ge=1, le=4)] = 1
    model: Name = ""
    backend: Name = ""
    format: ImageFormatName = "png"


class EditImageRequest(JobOptions, kw_only=True):
    image_asset_id: AssetId
    instruction: Prompt
    #: White = repaint; without it the instruction edits the whole image.
    mask_asset_id: AssetId | None = None
    steps: Steps = 0
    guidance: Guidance | None = None
    seed: Seed | None = None
    model: Name = ""
    backend: Name = ""
    format: ImageFormatName = "png"


class UpscaleImageRequest(JobOptions, kw_only=True):
    image_asset_id: AssetId
    factor: Literal[2, 4] = 2
    model: Name = ""
    backend: Name = ""
    format: ImageFormatName = "png"
