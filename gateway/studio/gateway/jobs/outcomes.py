"""A job's end, whoever noticed it (the events consumer, a cancel): effects, then announcement.

`record_outcome` runs inside the transaction that made the row terminal, so the effects
registered for the job's type (voice status, webhook deliveries) commit together with the
status or not at all; `announce_outcome` runs after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from studio.core.errors import FailedPrecondition
from studio.core.metrics import GATEWAY_JOB_SECONDS
from studio.gateway.context import Gateway
from studio.gateway.effects import Outcome
from studio.gateway.hub import HubEvent
from studio.gateway.jobs.ids import submission_id
from studio.gateway.store.jobs import TERMINAL

#: Marks of ends that never committed (rolled back, redelivered later) are forgotten past this many.
STALE_MARKS = 10_000


async def record_outcome(conn: asyncpg.Connection, gateway: Gateway, outcomes: Sequence[Outcome]) -> None:
    """The effects registered for these jobs' ends, in the transaction that ended them."""
    await gateway.effects.run(conn, outcomes)


def announce_outcome(gateway: Gateway, row: asyncpg.Record, assets: Sequence[asyncpg.Record] = ()) -> None:
    """Wake the waiters (handing them the committed row and its assets), the dispatcher, and the webhook
    sender when the end queued deliveries."""
    gateway.hub.publish(HubEvent(job_id=row["id"], kind=row["status"], job=row, assets=tuple(assets)))
    if gateway.jobs_wait_for_slots:
        gateway.dispatch_waker.wake()
    if row["id"] in gateway.deliveries_queued:
        gateway.deliveries_queued.discard(row["id"])
        gateway.webhook_waker.wake()
    elif len(gateway.deliveries_queued) > STALE_MARKS:  # ends whose transaction rolled back: retried later
        gateway.deliveries_queued.clear()
    if row["completed_at"] is not None:
        seconds = (row["completed_at"] - row["created_at"]).total_seconds()
        GATEWAY_JOB_SECONDS.labels(row["type"], row["status"]).observe(max(0.0, seconds))


async def cancel_job(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """Cancel a job that has not finished: at once if still queued here, via the cancel bucket otherwise."""
    async with gateway.pool.acquire() as conn, conn.transaction():
        row = await gateway.jobs.lock_unfinished(conn, owner_id, job_id)
        if row["status"] in TERMINAL:
            raise FailedPrecondition(f"job {job_id} is already {row['status']}; only unfinished jobs can be cancelled")
        if row["status"] != "queued":
            # Workers check the bucket before starting and while running; the row turns
            # `cancelled` now, and the worker's own `failed(CANCELLED)` event changes nothing.
            await gateway.transport.cancel(submission_id(job_id, row["dispatch_count"]))
        cancelled = await gateway.jobs.cancel(conn, job_id, "cancelled by its owner")
        await record_outcome(conn, gateway, [(cancelled, None)])
    announce_outcome(gateway, cancelled)
