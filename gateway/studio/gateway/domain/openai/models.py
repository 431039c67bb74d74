"""GET /v1/models: the `model` values the /v1 routes take, as OpenAI lists them.

OpenAI's own names stand for the studio's defaults; after them come the installed
speech backends and text-to-image models, asked of the model servers over gRPC. A
server that does not answer leaves its models out of the list rather than failing it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from studio.core.errors import StudioError
from studio.gateway.context import Gateway
from studio.gateway.domain.openai.errors import OpenAIError
from studio.gateway.domain.openai.schemas import OpenAIModel
from studio.v1 import audio_pb2, image_pb2

log = logging.getLogger(__name__)

OWNER = "media-studio"
#: OpenAI's speech and image models, answered by the studio's default backend and model.
ALIASES = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "dall-e-2", "dall-e-3", "gpt-image-1")
#: A model's `created`: the studio offers it since this process started.
STARTED = int(time.time())
LISTING_TIMEOUT = 5.0


async def _speech_backends(gateway: Gateway) -> list[str]:
    response = await gateway.client("audio").call("ListAudioModels", audio_pb2.ListAudioModelsRequest())
    return [info.backend for info in response.models if info.installed and info.task == "tts"]


async def _image_models(gateway: Gateway) -> list[str]:
    response = await gateway.client("image").call("ListImageModels", image_pb2.ListImageModelsRequest())
    return [info.name for info in response.models if info.installed and info.task == "text-to-image"]


async def list_models(gateway: Gateway) -> tuple[list[OpenAIModel], list[str]]:
    """The models, and the services that could not be asked."""
    services = {"audio": _speech_backends(gateway), "image": _image_models(gateway)}
    answers = await asyncio.gather(
        *(asyncio.wait_for(ask, LISTING_TIMEOUT) for ask in services.values()), return_exceptions=True
    )
    ids = list(ALIASES)
    silent: list[str] = []
    for service, answer in zip(services, answers, strict=True):
        if isinstance(answer, BaseException):
            reason = answer.message if isinstance(answer, StudioError) else type(answer).__name__
            log.warning("the %s service did not list its models: %s", service, reason)
            silent.append(service)
        else:
            ids += answer
    return [OpenAIModel(id=name, created=STARTED, owned_by=OWNER) for name in dict.fromkeys(ids)], silent


async def get_model(gateway: Gateway, model_id: str) -> OpenAIModel:
    models, silent = await list_models(gateway)
    for model in models:
        if model.id == model_id:
            return model
    unchecked = f" (the {' and '.join(silent)} service did not answer: its models were not checked)" if silent else ""
    raise OpenAIError(
        f"The model '{model_id}' does not exist or you do not have access to it.{unchecked}",
        param="model",
        code="model_not_found",
        status=404,
    )
