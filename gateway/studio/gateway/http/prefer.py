"""`Prefer: wait=N` (RFC 7240): answer with the finished job when it completes within N seconds.

Without it (or when time runs out) a generation endpoint answers 202 with the job
and its links; with it, 200 and the result, or the job's error as problem+json.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from litestar import Request, Response

from studio.gateway.context import Gateway
from studio.gateway.jobs.schemas import Job
from studio.gateway.jobs.views import job_out, load_job
from studio.gateway.jobs.waiting import wait_for_job
from studio.gateway.problems import problem

MAX_WAIT_SECONDS = 60
_WAIT = re.compile(r"(?:^|[;,\s])wait\s*=\s*\"?(\d{1,6})\"?", re.IGNORECASE)

#: HTTP status for a job that failed while the client waited, by its error code.
_FAILED_STATUS = {
    "invalid_argument": 422,
    "not_found": 422,
    "failed_precondition": 409,
    "cancelled": 409,
    "resource_exhausted": 429,
    "unavailable": 503,
    "internal": 502,
}

BodyT = TypeVar("BodyT")


def prefer_wait(request: Request[Any, Any, Any]) -> int:
    """Seconds the client is willing to wait (0..60); unparseable preferences are ignored, as RFC 7240 says."""
    match = _WAIT.search(request.headers.get("prefer", ""))
    return min(int(match.group(1)), MAX_WAIT_SECONDS) if match else 0


async def job_response(
    gateway: Gateway,
    request: Request[Any, Any, Any],
    owner_id: uuid.UUID,
    job_id: uuid.UUID,
    render: Callable[[Job], Awaitable[BodyT]],
) -> Response[Any]:
    """The answer to a request that has just submitted `job_id` (so it is known to be queued)."""
    wait = prefer_wait(request)
    last = await wait_for_job(gateway, owner_id, job_id, wait, known_status="queued") if wait else None
    if last is not None and last.job is not None and last.job["owner_id"] == owner_id:
        job = job_out(gateway, last.job, last.assets)  # recorded by this process: no need to read it again
    else:
        job = await load_job(gateway, owner_id, job_id)
    headers = {"Location": job.links.self_}
    if wait:
        headers["Preference-Applied"] = f"wait={wait}"
    if wait and job.status in ("failed", "cancelled"):
        code = job.error.code if job.error else "internal"
        message = job.error.message if job.error else "the job failed"
        return problem(
            _FAILED_STATUS.get(code, 500), f"job {job.id} {job.status}: {message}", request.url.path, headers, job=job
        )
    body = await render(job)
    return Response(content=body, status_code=200 if job.status == "completed" else 202, headers=headers)


async def as_is(job: Job) -> Job:
    return job
