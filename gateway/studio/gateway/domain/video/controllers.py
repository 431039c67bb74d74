"""POST create-avatar / animate, GET status."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec

from studio.gateway.context import Gateway
from studio.gateway.domain.video.schemas import AnimateRequest, CreateAvatarRequest
from studio.gateway.domain.video.services import animate_request, avatar_request
from studio.gateway.http.prefer import as_is, job_response
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.schemas import Job
from studio.gateway.jobs.submit import submit_job
from studio.gateway.jobs.views import load_job
from studio.gateway.openapi import ACCEPTED_RESPONSES, PreferHeader

_RESPONSES = {200: ResponseSpec(Job, description="Finished within Prefer: wait"), **ACCEPTED_RESPONSES}


class VideoController(Controller):
    path = "/api/v1/video"
    tags = ("video",)

    @post(
        "/create-avatar",
        operation_id="create_avatar",
        summary="A lip-synced talking head from a portrait and speech",
        responses=_RESPONSES,
        status_code=202,
    )
    async def create_avatar(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: uuid.UUID,
        data: CreateAvatarRequest,
        prefer: PreferHeader = None,
    ) -> Response[Job]:
        message = await avatar_request(gateway, owner, data)
        job_id = await submit_job(
            gateway, owner, "video", "CreateAvatarVideo", message, project_id=data.project_id, webhook=data.webhook
        )
        return await job_response(gateway, request, owner, job_id, as_is)

    @post(
        "/animate", operation_id="animate_image", summary="Animate a still image", responses=_RESPONSES, status_code=202
    )
    async def animate(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: uuid.UUID,
        data: AnimateRequest,
        prefer: PreferHeader = None,
    ) -> Response[Job]:
        message = await animate_request(gateway, owner, data)
        job_id = await submit_job(
            gateway, owner, "video", "Animate", message, project_id=data.project_id, webhook=data.webhook
        )
        return await job_response(gateway, request, owner, job_id, as_is)

    @get("/status/{job_id:str}", operation_id="video_status", summary="A video job (same as GET /api/v1/jobs/{id})")
    async def status(self, gateway: Gateway, owner: uuid.UUID, job_id: str) -> Job:
        return await load_job(gateway, owner, parse_uuid(job_id))
