"""A job's Server-Sent Events: its current state, then progress as it happens, then the outcome."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncGenerator

import msgspec
from litestar.response import ServerSentEventMessage

from studio.gateway.context import Gateway
from studio.gateway.jobs.views import load_job
from studio.gateway.jobs.waiting import JobUpdate, follow_job

KEEPALIVE_SECONDS = 15.0


def _message(update: JobUpdate) -> ServerSentEventMessage:
    if update.kind == "status":
        data = {"status": update.status, "progress": round(update.fraction, 4), "stage": update.stage}
    else:
        data = {"status": "running", "progress": round(update.fraction, 4), "stage": update.stage}
        if update.message:
            data["message"] = update.message
    return ServerSentEventMessage(event=update.kind, data=msgspec.json.encode(data).decode())


async def job_event_stream(
    gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID
) -> AsyncGenerator[ServerSentEventMessage, None]:
    first = True
    last_sent = time.monotonic()
    async for update in follow_job(gateway, owner_id, job_id):
        if update.terminal and not first:
            break
        first = False
        if update.kind == "idle":
            if time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                yield ServerSentEventMessage(comment="keep-alive")
                last_sent = time.monotonic()
            continue
        yield _message(update)
        last_sent = time.monotonic()
    job = await load_job(gateway, owner_id, job_id)
    yield ServerSentEventMessage(event=job.status, data=msgspec.json.encode(job).decode())
