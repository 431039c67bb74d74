"""The tenant's event stream (GET /api/v1/events): a snapshot of its jobs, then each change as it commits.

Changes come from `job_changes` (every process's job writes, logged by a trigger), never from
this process's memory alone, so a multi-replica gateway streams the same thing from any replica.
An event is the job as it is when sent (the `GET /api/v1/jobs/{id}` shape), so several changes
of one job between two reads are sent once: that coalescing, plus a pause of `THROTTLE_SECONDS`
after each batch, keeps progress to about four events per second per job.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator

import msgspec
from litestar.response import ServerSentEventMessage

from studio.gateway.context import Gateway
from studio.gateway.jobs.views import jobs_out
from studio.gateway.store.job_changes import JobChange

#: Finished jobs in a snapshot, besides every unfinished one.
SNAPSHOT_FINISHED = 50
THROTTLE_SECONDS = 0.25
KEEPALIVE_SECONDS = 15.0
#: A stream re-reads the log this often even without a wake-up (a lost NOTIFY, a late transaction).
POLL_SECONDS = 2.0
#: How often an open stream checks that its key is still valid: a revoked key stops receiving events
#: within this, and the client's reconnect then gets the 401 that says why.
CREDENTIAL_SECONDS = 5.0


def parse_event_id(value: str | None) -> int | None:
    """A Last-Event-ID this server could have sent (a non-negative integer), else None."""
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


async def _snapshot(gateway: Gateway, owner_id: uuid.UUID) -> tuple[int, ServerSentEventMessage]:
    # The horizon first: every change at or before it is in the rows read next; later ones follow as events.
    cursor = await gateway.job_changes.horizon()
    jobs = await jobs_out(gateway, await gateway.jobs.snapshot(owner_id, SNAPSHOT_FINISHED))
    data = msgspec.json.encode({"jobs": jobs}).decode()
    return cursor, ServerSentEventMessage(event="snapshot", data=data, id=str(cursor))


async def _changes(gateway: Gateway, owner_id: uuid.UUID, changes: list[JobChange]) -> list[ServerSentEventMessage]:
    """One `job` event per changed job, in the order of its latest change; the id goes on a transaction's last."""
    latest: dict[uuid.UUID, int] = {}
    for change in changes:
        latest.pop(change.job_id, None)
        latest[change.job_id] = change.xid
    rows = await gateway.jobs.of_ids(owner_id, list(latest))
    jobs = {job.id: job for job in await jobs_out(gateway, rows)}
    order = list(latest.items())
    messages = []
    for index, (job_id, xid) in enumerate(order):
        job = jobs.get(str(job_id))
        last_of_xid = index + 1 == len(order) or order[index + 1][1] != xid
        if job is None:  # deleted since: nothing to show, but its id still moves the cursor
            if last_of_xid:
                messages.append(ServerSentEventMessage(data=None, comment="skipped", id=str(xid)))
            continue
        messages.append(
            ServerSentEventMessage(
                event="job", data=msgspec.json.encode(job).decode(), id=str(xid) if last_of_xid else None
            )
        )
    return messages


async def _key_revoked(gateway: Gateway, key_id: uuid.UUID) -> bool:
    row = await gateway.keys.by_id(key_id)
    return row is None or row["revoked_at"] is not None


async def tenant_event_stream(
    gateway: Gateway, owner_id: uuid.UUID, key_id: uuid.UUID, last_event_id: str | None
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """The stream of the account `owner_id`, opened with key `key_id`; it ends once that key is revoked."""
    with gateway.tenant_wakers.subscribe(owner_id) as woken:
        after = parse_event_id(last_event_id)
        if after is not None and await gateway.job_changes.replayable(after):
            cursor = after
        else:
            cursor, snapshot = await _snapshot(gateway, owner_id)
            yield snapshot
        last_sent = checked = time.monotonic()
        while True:
            if time.monotonic() - checked >= CREDENTIAL_SECONDS:
                if await _key_revoked(gateway, key_id):
                    return
                checked = time.monotonic()
            woken.clear()
            changes = await gateway.job_changes.since(owner_id, cursor)
            if changes:
                for message in await _changes(gateway, owner_id, changes):
                    yield message
                cursor = changes[-1].xid
                last_sent = time.monotonic()
                await asyncio.sleep(THROTTLE_SECONDS)
                continue
            if time.monotonic() - last_sent >= KEEPALIVE_SECONDS:
                yield ServerSentEventMessage(data=None, comment="keep-alive")
                last_sent = time.monotonic()
            wait = min(POLL_SECONDS, max(0.05, KEEPALIVE_SECONDS - (time.monotonic() - last_sent)))
            try:
                await asyncio.wait_for(woken.wait(), wait)
            except TimeoutError:
                pass
