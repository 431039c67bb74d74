"""The queue gauges: jobs held back in Postgres and jobs pending in JetStream, per service."""

from __future__ import annotations

import asyncio

from studio.core.metrics import QUEUE_DEPTH
from studio.core.registry import SERVICES
from studio.gateway.context import Gateway

PENDING_TIMEOUT = 3.0


async def refresh_queue_depth(gateway: Gateway, *, jetstream: bool = False) -> None:
    """Set the gauges (read at scrape time with `jetstream`, and by the dispatcher's housekeeping)."""
    queued = await gateway.jobs.queued_by_service()
    for name in SERVICES:
        QUEUE_DEPTH.labels(name, "gateway").set(queued.get(name, 0))
    if not jetstream:
        return

    async def pending(name: str) -> int:
        try:
            return await asyncio.wait_for(gateway.transport.pending(name), PENDING_TIMEOUT)
        except Exception:  # noqa: BLE001 - a scrape never fails because NATS is slow
            return -1

    counts = await asyncio.gather(*(pending(name) for name in SERVICES))
    for name, count in zip(SERVICES, counts, strict=True):
        if count >= 0:
            QUEUE_DEPTH.labels(name, "jetstream").set(count)
