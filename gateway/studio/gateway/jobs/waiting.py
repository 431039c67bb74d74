"""Following a job until it ends: the one loop every waiter uses (Prefer: wait, SSE, OpenAI
routes, production steps).

It subscribes to the in-process hub before it reads the row, so no event falls between the
two; it re-reads the row now and then, because with several gateway replicas another one
may have consumed the event.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from studio.gateway.context import Gateway
from studio.gateway.store.jobs import TERMINAL

#: How often a waiter re-reads the row when no event wakes it (other replicas' events).
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class JobUpdate:
    #: "status" (read from the row), "idle" (nothing changed for a poll interval), or an event:
    #: started | progress | completed | failed | cancelled
    kind: str
    status: str
    fraction: float = 0.0
    stage: str = ""
    message: str = ""
    #: The terminal row and its assets when this process recorded the end (see HubEvent).
    job: Any = None
    assets: tuple[Any, ...] = ()

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


async def follow_job(
    gateway: Gateway,
    owner_id: uuid.UUID,
    job_id: uuid.UUID,
    *,
    timeout: float = math.inf,
    known_status: str | None = None,
) -> AsyncIterator[JobUpdate]:
    """The job's updates: its state first, then each change, ending after the terminal one (or the timeout).

    `known_status` skips the first read when the caller has just written the row.
    """
    deadline = time.monotonic() + timeout
    with gateway.hub.subscribe(job_id) as events:
        if known_status is None:
            status, fraction, stage = await gateway.jobs.state(owner_id, job_id)
        else:
            status, fraction, stage = known_status, 0.0, ""
        yield JobUpdate("status", status, fraction, stage)
        while status not in TERMINAL:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                event = await asyncio.wait_for(events.get(), min(remaining, POLL_SECONDS))
            except TimeoutError:
                fresh = await gateway.jobs.state(owner_id, job_id)
                if fresh == (status, fraction, stage):
                    yield JobUpdate("idle", status, fraction, stage)
                    continue
                status, fraction, stage = fresh
                yield JobUpdate("status", status, fraction, stage)
                continue
            status = event.kind if event.terminal else "running"
            fraction, stage = (event.fraction, event.stage) if event.kind == "progress" else (fraction, stage)
            yield JobUpdate(event.kind, status, event.fraction, event.stage, event.message, event.job, event.assets)


async def wait_for_job(
    gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID, timeout: float, *, known_status: str | None = None
) -> JobUpdate:
    """The job's last update: terminal, or as it is when `timeout` runs out."""
    last = JobUpdate("status", known_status or "")
    async for update in follow_job(gateway, owner_id, job_id, timeout=timeout, known_status=known_status):
        last = update
    return last
