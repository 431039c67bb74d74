"""GET /api/v1/models: the model listings of the model servers, over gRPC (GrpcClient)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Literal

import msgspec
from litestar import Controller, get

from studio.core.errors import StudioError
from studio.gateway.context import Gateway
from studio.gateway.protojson import to_json
from studio.v1 import audio_pb2, image_pb2, video_pb2

LISTINGS = {
    "audio": ("ListAudioModels", audio_pb2.ListAudioModelsRequest),
    "image": ("ListImageModels", image_pb2.ListImageModelsRequest),
    "video": ("ListVideoModels", video_pb2.ListVideoModelsRequest),
}
LISTING_TIMEOUT = 5.0


class Model(msgspec.Struct):
    service: str
    name: str
    backend: str
    task: str
    installed: bool
    vram_gb: float
    description: str


class ModelListing(msgspec.Struct):
    models: list[Model]
    #: Services that did not answer, with why.
    unavailable: dict[str, str]


class ModelController(Controller):
    path = "/api/v1/models"
    tags = ("models",)

    @get("/", operation_id="list_models", summary="Models of every (or one) model server, installed or not")
    async def list_models(
        self, gateway: Gateway, owner: uuid.UUID, service: Literal["audio", "image", "video"] | None = None
    ) -> ModelListing:
        names = [service] if service else list(LISTINGS)

        async def ask(name: str) -> list[Model]:
            rpc, request_type = LISTINGS[name]
            response = await asyncio.wait_for(gateway.client(name).call(rpc, request_type()), LISTING_TIMEOUT)
            return [
                Model(
                    service=name,
                    **{k: v for k, v in to_json(info).items() if k in Model.__struct_fields__ and k != "service"},
                )
                for info in response.models
            ]

        answers = await asyncio.gather(*(ask(name) for name in names), return_exceptions=True)
        models: list[Model] = []
        unavailable: dict[str, str] = {}
        for name, answer in zip(names, answers, strict=True):
            if isinstance(answer, BaseException):
                unavailable[name] = answer.message if isinstance(answer, StudioError) else type(answer).__name__
            else:
                models += answer
        return ModelListing(models=models, unavailable=unavailable)
