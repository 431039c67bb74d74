"""A job's end, whoever noticed it (the events consumer, a cancel): effects, then announcement.

`record_outcome` runs inside the transaction that made the row terminal, so the effects
registered for the job's type (voice status, webhook deliveries) commit together with the
status or not at all; `announce_outcome` runs after the commit.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence

import asyncpg

from studio.core.errors import FailedPrecondition
from studio.core.metrics import GATEWAY_JOB_SECONDS
from studio.gateway.context import Gateway
from studio.gateway.effects import Outcome
from studio.gateway.hub import HubEvent
from studio.gateway.jobs.ids import submission_id
from studio.gateway.providers.budget import refuse_if_over
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


#: Times a many-job cancel is tried when PostgreSQL breaks a deadlock by aborting it.
DEADLOCK_RETRIES = 3


async def cancel_jobs(
    gateway: Gateway,
    owner_id: uuid.UUID,
    *,
    statuses: Sequence[str],
    type_: str | None = None,
    project_id: uuid.UUID | None = None,
) -> list[uuid.UUID]:
    """Cancel every unfinished job of the owner that matches, in one transaction; the ids cancelled.

    Jobs that end while this waits for their row are left alone (they no longer match).
    """
    for attempt in range(DEADLOCK_RETRIES):
        try:
            async with gateway.pool.acquire() as conn, conn.transaction():
                rows = await gateway.jobs.lock_to_cancel(
                    conn, owner_id, statuses=list(statuses), type_=type_, project_id=project_id
                )
                for row in rows:
                    if row["status"] != "queued":
                        await gateway.transport.cancel(submission_id(row["id"], row["dispatch_count"]))
                cancelled = await gateway.jobs.cancel_many(conn, [row["id"] for row in rows], "cancelled by its owner")
                if cancelled:
                    await record_outcome(conn, gateway, [(row, None) for row in cancelled])
            break
        except asyncpg.DeadlockDetectedError:  # rows locked across tables in another order (effects): again
            if attempt + 1 == DEADLOCK_RETRIES:
                raise
            await asyncio.sleep(0.05 * (attempt + 1))
    for row in cancelled:
        announce_outcome(gateway, row)
    return [row["id"] for row in rows]


#: Job types whose outcome belongs to something else, which is redone instead of the job.
_NOT_RETRIED = {
    "audio.register_voice": "a voice registration is retried by cloning the voice again "
    "(POST /api/v1/audio/clone-voice)",
}


async def retry_job(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> uuid.UUID:
    """Queue a failed or cancelled job again as a new job (`retry_of` names the old one); its id."""
    async with gateway.pool.acquire() as conn, conn.transaction():
        row = await gateway.jobs.get(owner_id, job_id, conn)
        if row["step_id"] is not None:
            raise FailedPrecondition(
                f"job {job_id} is a step of project {row['project_id']}; produce the project again instead "
                "(POST /api/v1/studio/generate-content)"
            )
        if row["type"] in _NOT_RETRIED:
            raise FailedPrecondition(f"job {job_id} cannot be retried: {_NOT_RETRIED[row['type']]}")
        if row["status"] not in ("failed", "cancelled"):
            raise FailedPrecondition(f"job {job_id} is {row['status']}; only failed or cancelled jobs can be retried")
        if await gateway.budget.monthly(owner_id, conn) is not None:
            estimate = await gateway.jobs.estimate_of(conn, job_id)
            refuse_if_over(await gateway.budget.state(conn, owner_id, lock=True), estimate, "retrying this job")
        new = await gateway.jobs.retry(conn, job_id)
    gateway.dispatch_waker.wake()
    new_id: uuid.UUID = new["id"]
    return new_id
