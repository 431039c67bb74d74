"""Listens for job changes made by any gateway process and wakes this process's tenant streams.

Why Postgres and not NATS: every job change is a row update in Postgres, including the ones no
NATS event stands for (created, queued, cancelled by the owner, retried), and the durable events
consumer hands each NATS event to one replica only. The trigger of migration 0007 logs each
change and sends `NOTIFY studio_job_changes, '<owner>'` at commit; every replica LISTENs on one
connection of its own. Streams also re-read now and then, so a lost connection delays, never loses.
The loop also forgets changes older than `RETAIN` (a reconnect after that gets a new snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import asyncpg

from studio.gateway.context import Gateway
from studio.gateway.db.pool import connect

log = logging.getLogger(__name__)

CHANNEL = "studio_job_changes"
#: How long changes are kept for replay after a reconnect.
RETAIN = timedelta(hours=1)
PURGE_INTERVAL = 300.0
RECONNECT_SECONDS = 2.0


class JobChangeListener:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def _notified(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            owner = uuid.UUID(payload)
        except ValueError:
            return
        self.gateway.tenant_wakers.wake(owner)

    async def run(self, stop: asyncio.Event) -> None:
        purged_at = time.monotonic() - PURGE_INTERVAL
        while not stop.is_set():
            conn: asyncpg.Connection | None = None
            try:
                conn = await connect(self.gateway.settings.database_url)
                await conn.add_listener(CHANNEL, self._notified)
                self.gateway.tenant_wakers.wake_all()  # whatever happened while not listening
                while not stop.is_set() and not conn.is_closed():
                    if time.monotonic() - purged_at >= PURGE_INTERVAL:
                        purged_at = time.monotonic()
                        await self.gateway.job_changes.purge(RETAIN)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 1.0)
            except Exception as error:  # noqa: BLE001 - Postgres restarting: streams poll meanwhile
                log.warning("listening for job changes failed (%s); retrying", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RECONNECT_SECONDS)
            finally:
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close()
