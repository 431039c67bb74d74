"""POST clone-voice / generate-speech / generate-music; list, read and delete voices."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body, Parameter

from studio.gateway.context import Gateway
from studio.gateway.domain.audio.schemas import CloneVoiceAccepted, CloneVoiceForm, MusicRequest, SpeechRequest, Voice
from studio.gateway.domain.audio.services import clone_voice, delete_voice, music_request, speech_request
from studio.gateway.domain.audio.views import voice_out
from studio.gateway.http.prefer import as_is, job_response
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.schemas import Job
from studio.gateway.jobs.submit import submit_job
from studio.gateway.openapi import ACCEPTED_RESPONSES, UPLOAD, UPLOAD_RESPONSES, PreferHeader


class AudioController(Controller):
    path = "/api/v1/audio"
    tags = ("audio",)

    @post(
        "/clone-voice",
        operation_id="clone_voice",
        summary="Clone a voice from a recorded sample",
        description="multipart/form-data with `sample` (WAV, MP3, AAC, OGG, FLAC, M4A or WebM; a few seconds to "
        "a few minutes of one clear speaker) and `name`. Answers 202 with the voice (status `processing`) "
        "and its registration job; the voice is usable once it is `ready`.",
        opt={"body_limit": UPLOAD},
        responses={
            200: ResponseSpec(CloneVoiceAccepted, description="Registered within Prefer: wait"),
            **UPLOAD_RESPONSES,
        },
        status_code=202,
    )
    async def clone_voice(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: uuid.UUID,
        data: Annotated[CloneVoiceForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        prefer: PreferHeader = None,
    ) -> Response[CloneVoiceAccepted]:
        voice_id, job_id = await clone_voice(gateway, owner, data)

        async def render(job: Job) -> CloneVoiceAccepted:
            return CloneVoiceAccepted(voice=voice_out(gateway, await gateway.voices.get(owner, voice_id)), job=job)

        return await job_response(gateway, request, owner, job_id, render)

    @post(
        "/generate-speech",
        operation_id="generate_speech",
        summary="Text to speech, with a cloned voice or a backend voice",
        responses={200: ResponseSpec(Job, description="Finished within Prefer: wait"), **ACCEPTED_RESPONSES},
        status_code=202,
    )
    async def generate_speech(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: uuid.UUID,
        data: SpeechRequest,
        prefer: PreferHeader = None,
    ) -> Response[Job]:
        message = await speech_request(gateway, owner, data)
        job_id = await submit_job(
            gateway, owner, "audio", "Synthesize", message, project_id=data.project_id, webhook=data.webhook
        )
        return await job_response(gateway, request, owner, job_id, as_is)

    @post(
        "/generate-music",
        operation_id="generate_music",
        summary="A music track from a description",
        responses={200: ResponseSpec(Job, description="Finished within Prefer: wait"), **ACCEPTED_RESPONSES},
        status_code=202,
    )
    async def generate_music(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: uuid.UUID,
        data: MusicRequest,
        prefer: PreferHeader = None,
    ) -> Response[Job]:
        job_id = await submit_job(
            gateway,
            owner,
            "audio",
            "GenerateMusic",
            music_request(data),
            project_id=data.project_id,
            webhook=data.webhook,
        )
        return await job_response(gateway, request, owner, job_id, as_is)

    @get("/voices", operation_id="list_voices", summary="Your voices, newest first")
    async def list_voices(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 100,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> list[Voice]:
        return [voice_out(gateway, row) for row in await gateway.voices.page(owner, limit, offset)]

    @get("/voices/{voice_id:str}", operation_id="get_voice", summary="One voice")
    async def get_voice(self, gateway: Gateway, owner: uuid.UUID, voice_id: str) -> Voice:
        return voice_out(gateway, await gateway.voices.get(owner, parse_uuid(voice_id, "voice")))

    @delete("/voices/{voice_id:str}", operation_id="delete_voice", summary="Delete a voice and its sample")
    async def delete_voice(self, gateway: Gateway, owner: uuid.UUID, voice_id: str) -> None:
        await delete_voice(gateway, owner, parse_uuid(voice_id, "voice"))
