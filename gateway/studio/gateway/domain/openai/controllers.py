"""The OpenAI-compatible routes under /v1, answering synchronously as OpenAI does.

Each generation is an ordinary studio job (listed under /api/v1/jobs, its id in
`X-Studio-Job-Id`); the route waits for it and answers in OpenAI's shape.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.response import Stream

from studio.core.errors import StudioError
from studio.gateway.context import Gateway
from studio.gateway.domain.openai.errors import ERROR_RESPONSES
from studio.gateway.domain.openai.images import image_job, images_response
from studio.gateway.domain.openai.jobs import finished, output_assets
from studio.gateway.domain.openai.models import get_model, list_models
from studio.gateway.domain.openai.schemas import (
    ImageRequest,
    ImagesResponse,
    OpenAIModel,
    OpenAIModelList,
    SpeechRequest,
)
from studio.gateway.domain.openai.speech import SPEECH_FORMATS, speech_job
from studio.gateway.domain.openai.validation import body_check
from studio.gateway.store.assets import ref_of

SPEECH_RESPONSE = ResponseSpec(
    bytes,
    media_type="audio/mpeg",
    description="The audio, as `response_format` asks: audio/mpeg, audio/opus (Ogg), audio/aac (ADTS), audio/flac, "
    "audio/wav or audio/pcm (raw 16-bit little-endian mono at 24 kHz)",
    generate_examples=False,
)


class OpenAIController(Controller):
    path = "/v1"
    tags = ("openai-compatible",)

    @post(
        "/audio/speech",
        operation_id="openai_speech",
        summary="OpenAI-compatible text to speech",
        responses={**ERROR_RESPONSES, 200: SPEECH_RESPONSE},
        status_code=200,
        # No media_type here: it would override the Stream's, and the type depends on the format.
        before_request=body_check(SpeechRequest),
    )
    async def speech(self, gateway: Gateway, owner: uuid.UUID, data: SpeechRequest) -> Stream:
        job_id = await speech_job(gateway, owner, data)
        await finished(gateway, owner, job_id)
        audio = next(iter(await output_assets(gateway, job_id, "audio")), None)
        if audio is None:
            raise StudioError(f"job {job_id} completed without an audio output")
        return Stream(
            gateway.artifacts.iter_bytes(ref_of(audio).key),
            media_type=SPEECH_FORMATS[data.response_format].content_type,
            headers={"Content-Length": str(audio["size"]), "X-Studio-Job-Id": str(job_id)},
        )

    @post(
        "/images/generations",
        operation_id="openai_images",
        summary="OpenAI-compatible image generation",
        responses=ERROR_RESPONSES,
        status_code=200,
        before_request=body_check(ImageRequest),
    )
    async def images(
        self, request: Request[Any, Any, Any], gateway: Gateway, owner: uuid.UUID, data: ImageRequest
    ) -> Response[ImagesResponse]:
        job_id = await image_job(gateway, owner, data)
        job = await finished(gateway, owner, job_id)
        body = await images_response(gateway, request, job, data)
        return Response(body, headers={"X-Studio-Job-Id": str(job_id)})

    @get(
        "/models",
        operation_id="openai_list_models",
        summary="OpenAI-compatible model list: the `model` values /v1 takes",
        responses=ERROR_RESPONSES,
    )
    async def models(self, gateway: Gateway) -> OpenAIModelList:
        models, _ = await list_models(gateway)
        return OpenAIModelList(data=models)

    @get(
        "/models/{model_id:str}",
        operation_id="openai_get_model",
        summary="OpenAI-compatible model lookup",
        responses=ERROR_RESPONSES,
    )
    async def model(self, gateway: Gateway, model_id: str) -> OpenAIModel:
        return await get_model(gateway, model_id)
