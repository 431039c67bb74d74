"""POST generate / edit / upscale."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.openapi import ResponseSpec

from studio.gateway.context import Gateway
from studio.gateway.domain.image.schemas import EditImageRequest, GenerateImageRequest, UpscaleImageRequest
from studio.gateway.domain.image.services import edit_request, generate_request, upscale_request
from studio.gateway.http.prefer import as_is, job_response
from studio.gateway.jobs.schemas import Job
from studio.gateway.jobs.submit import submit_job
from studio.gateway.openapi import ACCEPTED_RESPONSES, PreferHeader

_RESPONSES = {200: ResponseSpec(Job, description="Finished within Prefer: wait"), **ACCEPTED_RESPONSES}


class ImageController(Controller):
    path = "/api/v1/image"
    tags = ("image",)

    @post("/generate", operation_id="generate_image", summary="Text to image", responses=_RESPONSES, status_code=202)
    async def generate(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: uuid.UUID,
        data: GenerateImageRequest,
        prefer: PreferHeader = None,
    ) -> Response[Job]:
        job_id = await submit_job(
            gateway,
            owner,
            "image",
            "Generate",
            generate_request(data),
            project_id=data.project_id,
            webhook=data.webhook,
        )
        return await job_response(gateway, request, owner, job_id, as_is)

    @post(
        "/edit",
        operation_id="edit_image",
        summary="Edit an image by instruction (or inpaint with a mask)",
        responses=_RESPONSES,
        status_code=202,
    )
    async def edit(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: uuid.UUID,
        data: EditImageRequest,
        prefer: PreferHeader = None,
    ) -> Response[Job]:
        message = await edit_request(gateway, owner, data)
        job_id = await submit_job(
            gateway, owner, "image", "Edit", message, project_id=data.project_id, webhook=data.webhook
        )
        return await job_response(gateway, request, owner, job_id, as_is)

    @post(
        "/upscale",
        operation_id="upscale_image",
        summary="Upscale an image 2x or 4x",
        responses=_RESPONSES,
        status_code=202,
    )
    async def upscale(
        self,
        request: Request[Any, Any, Any],
        gateway: Gateway,
        owner: uuid.UUID,
        data: UpscaleImageRequest,
        prefer: PreferHeader = None,
    ) -> Response[Job]:
        message = await upscale_request(gateway, owner, data)
        job_id = await submit_job(
            gateway, owner, "image", "Upscale", message, project_id=data.project_id, webhook=data.webhook
        )
        return await job_response(gateway, request, owner, job_id, as_is)
