"""A job's Server-Sent Events: its current state, then progress as it happens, then the outcome."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator

import msgspec
from litestar.response import ServerSentEventMessage

from studio.gateway.context import Gateway
from studio.gateway.domain.jobs.services import POLL_SECONDS, TERMINAL, fetch_job, load_job

KEEPALIVE_SECONDS = 15.0


def _state(row: object) -> tuple[str, float, str]:
    return (row["status"], round(float(row["progress"]), 4), row["stage"])  # type: ignore[index]


def _status_message(row: object) -> ServerSentEventMessage:
    status, progress, stage = _state(row)
    data = {"status": status, "progress": progress, "stage": stage}
    return ServerSentEventMessage(event="status", data=msgspec.json.encode(data).decode())


async def job_event_stream(
    gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID
) -> AsyncGenerator[ServerSentEventMessage, None]:
    with gateway.hub.subscribe(job_id) as queue:
        row = await fetch_job(gateway.pool, owner_id, job_id)
        yield _status_message(row)
        last_sent = time.monotonic()
        while row["status"] not in TERMINAL:
            try:
                event = await asyncio.wait_for(queue.get(), POLL_SECONDS)
            except TimeoutError:
                fresh = await fetch_job(gateway.pool, owner_id, job_id)
                if _state(fresh) != _state(row):
                    row = fresh
                    if row["status"] in TERMINAL:
                        break
                    yield _status_message(row)
                    last_sent = time.monotonic()
                elif time.monotonic() - last_sent > KEEPALIVE_SECONDS:
                    yield ServerSentEventMessage(comment="keep-alive")
                    last_sent = time.monotonic()
                continue
            if event.terminal:
                break
            data = {"status": "running", "progress": round(event.fraction, 4), "stage": event.stage}
            if event.message:
                data["message"] = event.message
            yield ServerSentEventMessage(event=event.kind, data=msgspec.json.encode(data).decode())
            last_sent = time.monotonic()
        job = await load_job(gateway, owner_id, job_id)
        yield ServerSentEventMessage(event=job.status, data=msgspec.json.encode(job).decode())
