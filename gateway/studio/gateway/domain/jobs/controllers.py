"""GET/list/search/cancel/retry/delete jobs; follow one, or all of the tenant's, as Server-Sent Events."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Response, delete, get, post
from litestar.params import Parameter
from litestar.response import ServerSentEvent

from studio.core.errors import InvalidInput
from studio.gateway.auth.identity import Caller
from studio.gateway.context import Gateway
from studio.gateway.domain.jobs.events import job_event_stream
from studio.gateway.domain.jobs.schemas import UNFINISHED, CancelJobsRequest, CancelledJobs
from studio.gateway.domain.jobs.services import delete_job
from studio.gateway.domain.jobs.tenant_events import tenant_event_stream
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.outcomes import cancel_job, cancel_jobs, retry_job
from studio.gateway.jobs.schemas import Job, JobPage
from studio.gateway.jobs.views import jobs_out, load_job
from studio.gateway.openapi import ERROR_RESPONSES, problem_response
from studio.gateway.store.jobs import SEARCHED

LAST_EVENT_ID = Parameter(
    header="Last-Event-ID",
    required=False,
    description="The id of the last event received, when reconnecting: the stream resumes after it",
)

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def RFC3339(description: str) -> Any:
    """A query parameter that is an RFC 3339 time with its zone (what JSON Schema's `date-time` means)."""
    return Parameter(description=f"RFC 3339, with a zone; {description}", schema_extra={"format": "date-time"})


def rfc3339(name: str, value: str | None) -> datetime | None:
    """The time a filter names; 400 for anything but an RFC 3339 time with its zone."""
    if value is None:
        return None
    try:
        if _RFC3339.match(value) is None:
            raise ValueError(value)
        return datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
    except ValueError:
        raise InvalidInput(f"{name}: give an RFC 3339 time with its zone, e.g. 2026-12-04T10:00:00Z") from None


JobStatus = Literal["queued", "submitted", "running", "completed", "failed", "cancelled"]


class JobController(Controller):
    path = "/api/v1/jobs"
    tags = ("jobs",)

    @get(
        "/",
        operation_id="list_jobs",
        summary="List your jobs, newest first",
        description="Filters combine (AND); `type` may repeat (any of them). `total` counts every match.",
    )
    async def list_jobs(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        status: Annotated[
            list[JobStatus] | None, Parameter(description="Only jobs in these states (repeat it: any of them)")
        ] = None,
        job_types: Annotated[
            list[str] | None,
            Parameter(query="type", max_items=20, description="e.g. audio.synthesize; repeat for several"),
        ] = None,
        project_id: uuid.UUID | None = None,
        q: Annotated[
            str | None,
            Parameter(
                min_length=1,
                max_length=200,
                description="Text searched, case-insensitively, in the job's " + ", ".join(SEARCHED) + ".",
            ),
        ] = None,
        created_after: Annotated[str | None, RFC3339("jobs created at or after")] = None,
        created_before: Annotated[str | None, RFC3339("jobs created at or before")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> JobPage:
        types = job_types or []  # a type no job has matches nothing
        rows, total = await gateway.jobs.page(
            owner,
            statuses=list(status) if status else None,
            types=types,
            project_id=project_id,
            text=q,
            created_after=rfc3339("created_after", created_after),
            created_before=rfc3339("created_before", created_before),
            limit=limit,
            offset=offset,
        )
        return JobPage(items=await jobs_out(gateway, rows), limit=limit, offset=offset, total=total)

    @delete(
        "/{job_id:str}",
        operation_id="delete_job",
        summary="Delete a finished job with its outputs (rows and stored bytes), all or nothing",
        description="409 while the job is unfinished (cancel it first), for a step of a project's production "
        "(delete the project), for a voice's registration (delete the voice), and while an unfinished job reads "
        "one of its outputs.",
        responses={**ERROR_RESPONSES, 409: problem_response("Unfinished, or part of a production or voice")},
        status_code=204,
    )
    async def delete_job(self, gateway: Gateway, owner: uuid.UUID, job_id: str) -> None:
        await delete_job(gateway, owner, parse_uuid(job_id))

    @post(
        "/cancel",
        operation_id="cancel_jobs",
        status_code=200,
        summary="Cancel many unfinished jobs at once (all of them with an empty filter)",
        responses={401: ERROR_RESPONSES[401]},
    )
    async def cancel_many(
        self, gateway: Gateway, owner: uuid.UUID, data: CancelJobsRequest | None = None
    ) -> CancelledJobs:
        query = data or CancelJobsRequest()
        cancelled = await cancel_jobs(
            gateway, owner, statuses=query.status or UNFINISHED, type_=query.type, project_id=query.project_id
        )
        return CancelledJobs(cancelled=[str(job_id) for job_id in cancelled])

    @get("/{job_id:str}", operation_id="get_job", summary="A job with its result and assets")
    async def get_job(self, gateway: Gateway, owner: uuid.UUID, job_id: str) -> Job:
        return await load_job(gateway, owner, parse_uuid(job_id))

    @post("/{job_id:str}/cancel", operation_id="cancel_job", status_code=200, summary="Cancel an unfinished job")
    async def cancel(self, gateway: Gateway, owner: uuid.UUID, job_id: str) -> Job:
        job_uuid = parse_uuid(job_id)
        await cancel_job(gateway, owner, job_uuid)
        return await load_job(gateway, owner, job_uuid)

    @post(
        "/{job_id:str}/retry",
        operation_id="retry_job",
        status_code=202,
        summary="Run a failed or cancelled job again, as a new job (`retry_of` names this one)",
        description="Production steps are not retried one by one: produce the project again instead (409).",
        responses={
            404: ERROR_RESPONSES[404],
            409: problem_response(
                "The job is not failed or cancelled, or is a production step (produce the project again)"
            ),
        },
    )
    async def retry(self, gateway: Gateway, owner: uuid.UUID, job_id: str) -> Response[Job]:
        new_id = await retry_job(gateway, owner, parse_uuid(job_id))
        job = await load_job(gateway, owner, new_id)
        return Response(job, status_code=202, headers={"Location": job.links.self_})

    @get(
        "/{job_id:str}/events",
        operation_id="job_events",
        summary="Follow a job as Server-Sent Events",
        description="Events: `status` (current state), `started`, `progress`, then one of "
        "`completed`, `failed`, `cancelled` carrying the whole job; the stream then ends. Each event's `id` is "
        "the id of the job's latest change (as in GET /api/v1/events); with `Last-Event-ID` at or past it, the "
        "opening `status` is left out.",
    )
    async def events(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        job_id: str,
        last_event_id: Annotated[str | None, LAST_EVENT_ID] = None,
    ) -> ServerSentEvent:
        job_uuid = parse_uuid(job_id)
        await gateway.jobs.get(owner, job_uuid)  # 404 before the stream starts
        return ServerSentEvent(job_event_stream(gateway, owner, job_uuid, last_event_id))


class TenantEventsController(Controller):
    path = "/api/v1/events"
    tags = ("jobs",)

    @get(
        "/",
        operation_id="tenant_events",
        summary="Follow all your jobs as Server-Sent Events: a snapshot, then every change",
        description='The stream opens with `snapshot` (`{"jobs": [Job]}`: every unfinished job and the 50 most '
        "recently finished), then sends `job` (a Job, as GET /api/v1/jobs/{id} answers it) whenever a job is "
        "created or changes status or progress (progress about 4 times a second per job at most). Events carry "
        "ids that only grow; reconnecting with `Last-Event-ID` replays the changes after it while they are kept "
        "(an hour), else opens with a new snapshot. A `: keep-alive` comment comes every 15 s. Send the "
        "credential in the Authorization header (read the stream with fetch; never put a key in the URL). The "
        "stream ends within seconds of its key being revoked; reconnecting then answers 401.",
        responses={401: ERROR_RESPONSES[401]},
    )
    async def events(
        self,
        gateway: Gateway,
        caller: Caller,
        last_event_id: Annotated[str | None, LAST_EVENT_ID] = None,
    ) -> ServerSentEvent:
        return ServerSentEvent(tenant_event_stream(gateway, caller.tenant_id, caller.key_id, last_event_id))
