"""Request shapes of the video endpoints."""

from __future__ import annotations

from typing import Annotated

import msgspec

from studio.gateway.jobs.schemas import JobOptions
from studio.gateway.requests import RequestBody, Uuid

AssetId = Uuid
#: 0 = the backend's default.
Size = Annotated[int, msgspec.Meta(ge=0, le=1920, multiple_of=2)]
Fps = Annotated[int, msgspec.Meta(ge=0, le=60)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Pixels = Annotated[int, msgspec.Meta(ge=0, le=16384)]


class FaceBox(RequestBody):
    x: Pixels
    y: Pixels
    width: Annotated[int, msgspec.Meta(ge=1, le=16384)]
    height: Annotated[int, msgspec.Meta(ge=1, le=16384)]


class CreateAvatarRequest(JobOptions, kw_only=True):
    #: An image asset with one face (an upload or a generated image).
    portrait_asset_id: AssetId
    #: An audio asset (generated speech carries word/phoneme timings that drive the lips).
    audio_asset_id: AssetId
    width: Size = 0
    height: Size = 0
    fps: Fps = 0
    #: Skip face detection and use this box.
    face: FaceBox | None = None
    backend: Name = ""


class AnimateRequest(JobOptions, kw_only=True):
    image_asset_id: AssetId
    motion: Annotated[str, msgspec.Meta(max_length=500, examples=["slow zoom in"])] = ""
    duration_seconds: Annotated[float, msgspec.Meta(ge=0.5, le=60.0)] = 5.0
    width: Size = 0
    height: Size = 0
    fps: Fps = 0
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None = None
    model: Name = ""
    backend: Name = ""
