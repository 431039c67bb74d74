"""What happens when a job reaches a terminal state, whoever noticed it (events consumer, cancel).

`record_outcome` runs inside the transaction that made the row terminal, so its
effects (voice status, webhook deliveries, project bookkeeping) commit together
with the status or not at all; `announce_outcome` runs after the commit.
"""

from __future__ import annotations

import asyncpg
from google.protobuf.message import Message

from studio.core.metrics import GATEWAY_JOB_SECONDS
from studio.gateway.context import Gateway
from studio.gateway.hub import HubEvent


async def record_outcome(
    conn: asyncpg.Connection, gateway: Gateway, row: asyncpg.Record, result: Message | None
) -> None:
    from studio.gateway.domain.audio.services import finish_voice
    from studio.gateway.domain.webhooks.services import enqueue_deliveries

    if row["type"] == "audio.register_voice":
        await finish_voice(conn, row, result)
    await enqueue_deliveries(conn, gateway, row)


def announce_outcome(gateway: Gateway, row: asyncpg.Record) -> None:
    gateway.hub.publish(HubEvent(job_id=row["id"], kind=row["status"]))
    gateway.dispatch_waker.wake()
    gateway.webhook_waker.wake()
    if row["completed_at"] is not None:
        seconds = (row["completed_at"] - row["created_at"]).total_seconds()
        GATEWAY_JOB_SECONDS.labels(row["type"], row["status"]).observe(max(0.0, seconds))
