"""POST /v1/audio/speech and /v1/images/generations, answering synchronously as OpenAI does."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.response import Stream

from studio.core.errors import StudioError
from studio.gateway.context import Gateway
from studio.gateway.domain.openai.schemas import ImageRequest, ImagesResponse, SpeechRequest
from studio.gateway.domain.openai.services import finished, image_job, images_response, output_assets, speech_job
from studio.gateway.openapi import ACCEPTED_RESPONSES
from studio.gateway.store.assets import ref_of


class OpenAIController(Controller):
    path = "/v1"
    tags = ("openai-compatible",)

    @post(
        "/audio/speech",
        operation_id="openai_speech",
        summary="OpenAI-compatible text to speech (returns the audio bytes)",
        responses=ACCEPTED_RESPONSES,
        status_code=200,
        media_type="audio/mpeg",
    )
    async def speech(self, gateway: Gateway, owner: uuid.UUID, data: SpeechRequest) -> Stream:
        job_id, content_type = await speech_job(gateway, owner, data)
        await finished(gateway, owner, job_id)
        audio = next((a for a in await output_assets(gateway, job_id) if a["type"] == "audio"), None)
        if audio is None:
            raise StudioError(f"job {job_id} completed without an audio output")
        return Stream(
            gateway.artifacts.iter_bytes(ref_of(audio).key),
            media_type=audio["content_type"] or content_type,
            headers={"Content-Length": str(audio["size"]), "X-Studio-Job-Id": str(job_id)},
        )

    @post(
        "/images/generations",
        operation_id="openai_images",
        summary="OpenAI-compatible image generation",
        responses=ACCEPTED_RESPONSES,
        status_code=200,
    )
    async def images(
        self, request: Request[Any, Any, Any], gateway: Gateway, owner: uuid.UUID, data: ImageRequest
    ) -> Response[ImagesResponse]:
        job_id = await image_job(gateway, owner, data)
        await finished(gateway, owner, job_id)
        body = await images_response(gateway, request, owner, job_id, data)
        return Response(body, headers={"X-Studio-Job-Id": str(job_id)})
