"""GET/list/cancel jobs and follow one as Server-Sent Events."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.params import Parameter
from litestar.response import ServerSentEvent

from studio.gateway.context import Gateway
from studio.gateway.domain.jobs.events import job_event_stream
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.outcomes import cancel_job
from studio.gateway.jobs.schemas import Job, JobPage
from studio.gateway.jobs.views import jobs_out, load_job

JobStatus = Literal["queued", "submitted", "running", "completed", "failed", "cancelled"]


class JobController(Controller):
    path = "/api/v1/jobs"
    tags = ("jobs",)

    @get("/", operation_id="list_jobs", summary="List your jobs, newest first")
    async def list_jobs(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        status: JobStatus | None = None,
        job_type: Annotated[
            str | None, Parameter(query="type", max_length=100, description="e.g. audio.synthesize")
        ] = None,
        project_id: uuid.UUID | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> JobPage:
        rows = await gateway.jobs.page(
            owner, status=status, type_=job_type, project_id=project_id, limit=limit, offset=offset
        )
        return JobPage(items=await jobs_out(gateway, rows), limit=limit, offset=offset)

    @get("/{job_id:str}", operation_id="get_job", summary="A job with its result and assets")
    async def get_job(self, gateway: Gateway, owner: uuid.UUID, job_id: str) -> Job:
        return await load_job(gateway, owner, parse_uuid(job_id))

    @post("/{job_id:str}/cancel", operation_id="cancel_job", status_code=200, summary="Cancel an unfinished job")
    async def cancel(self, gateway: Gateway, owner: uuid.UUID, job_id: str) -> Job:
        job_uuid = parse_uuid(job_id)
        await cancel_job(gateway, owner, job_uuid)
        return await load_job(gateway, owner, job_uuid)

    @get(
        "/{job_id:str}/events",
        operation_id="job_events",
        summary="Follow a job as Server-Sent Events",
        description="Events: `status` (current state), `started`, `progress`, then one of "
        "`completed`, `failed`, `cancelled` carrying the whole job; the stream then ends.",
    )
    async def events(self, gateway: Gateway, owner: uuid.UUID, job_id: str) -> ServerSentEvent:
        job_uuid = parse_uuid(job_id)
        await gateway.jobs.get(owner, job_uuid)  # 404 before the stream starts
        return ServerSentEvent(job_event_stream(gateway, owner, job_uuid))
