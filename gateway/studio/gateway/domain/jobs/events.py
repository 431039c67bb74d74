"""A job's Server-Sent Events: its current state, then progress as it happens, then the outcome.

Each event's `id` is the id of the job's latest change in the tenant's log (the ids GET /api/v1/events
sends), so it only grows. A client that reconnects with `Last-Event-ID` at or past the job's latest
change already holds its state: the opening `status` event is then left out.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncGenerator

import msgspec
from litestar.response import ServerSentEventMessage

from studio.gateway.context import Gateway
from studio.gateway.domain.jobs.tenant_events import parse_event_id
from studio.gateway.jobs.views import load_job
from studio.gateway.jobs.waiting import JobUpdate, follow_job

KEEPALIVE_SECONDS = 15.0


def _message(update: JobUpdate, event_id: int) -> ServerSentEventMessage:
    if update.kind == "status":
        data = {"status": update.status, "progress": round(update.fraction, 4), "stage": update.stage}
    else:
        data = {"status": "running", "progress": round(update.fraction, 4), "stage": update.stage}
        if update.message:
            data["message"] = update.message
    return ServerSentEventMessage(event=update.kind, data=msgspec.json.encode(data).decode(), id=event_id)


async def job_event_stream(
    gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID, last_event_id: str | None = None
) -> AsyncGenerator[ServerSentEventMessage, None]:
    seen = parse_event_id(last_event_id) or 0
    event_id = 0
    first = True
    last_sent = time.monotonic()
    async for update in follow_job(gateway, owner_id, job_id):
        if update.terminal and not first:
            break
        if update.kind == "idle":
            if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                yield ServerSentEventMessage(data=None, comment="keep-alive")
                last_sent = time.monotonic()
            continue
        event_id = max(event_id, await gateway.job_changes.latest_of_job(job_id))
        if first and not update.terminal and seen and seen >= event_id:
            first = False  # the client already holds this state
            continue
        first = False
        yield _message(update, event_id)
        last_sent = time.monotonic()
    job = await load_job(gateway, owner_id, job_id)
    event_id = max(event_id, await gateway.job_changes.latest_of_job(job_id))
    yield ServerSentEventMessage(event=job.status, data=msgspec.json.encode(job).decode(), id=event_id)
