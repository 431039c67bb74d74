"""Hands queued jobs to JetStream by priority, within the per-service concurrency caps.

Jobs wait in Postgres (`queued`) until their service has a free slot (fewer than
`max_concurrent_jobs[service]` submitted or running, and under the global cap);
then the highest-priority, oldest ones are published. One transaction with an
advisory lock serialises dispatchers across gateway replicas; the message id is
derived from the job id and its dispatch count, so a publish repeated after a
crash is deduplicated by JetStream instead of running twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import asyncpg

from studio.core.metrics import QUEUE_DEPTH
from studio.core.operations import snake_case
from studio.core.registry import SERVICES
from studio.gateway.context import Gateway
from studio.gateway.domain.jobs.services import submission_id
from studio.gateway.protojson import request_class

log = logging.getLogger(__name__)

_LOCK_ID = 7_510_043  # arbitrary, constant: "studio dispatcher"
HOUSEKEEPING_SECONDS = 600.0


class Dispatcher:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        self._last_housekeeping = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                dispatched = await self.dispatch_once()
                await self._housekeeping()
            except (asyncpg.PostgresError, OSError, ConnectionError) as error:
                log.warning("dispatch sweep failed: %s", error)
                dispatched = 0
            except Exception:
                log.exception("dispatch sweep failed")
                dispatched = 0
            if not dispatched:
                await self.gateway.dispatch_waker.wait(self.settings.dispatch_interval)

    def _free_slots(self, active: dict[str, int]) -> dict[str, int]:
        return {
            service: self.settings.max_concurrent_jobs.get(service, 1) - active.get(service, 0) for service in SERVICES
        }

    async def dispatch_once(self) -> int:
        """Publish what the caps allow now; return how many jobs were handed over."""
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_ID)
            active = {
                row["service"]: row["n"]
                for row in await conn.fetch(
                    "SELECT service, count(*) AS n FROM generation_jobs "
                    "WHERE status IN ('submitted', 'running') GROUP BY service"
                )
            }
            total_free = (
                self.settings.max_concurrent_jobs_total - sum(active.values())
                if self.settings.max_concurrent_jobs_total
                else 1 << 30
            )
            if total_free <= 0:
                return 0
            candidates: list[Any] = []
            for service, free in self._free_slots(active).items():
                if free > 0:
                    candidates += await conn.fetch(
                        "SELECT id, service, rpc, payload, dispatch_count, priority, created_at FROM generation_jobs "
                        "WHERE status = 'queued' AND service = $1 ORDER BY priority DESC, created_at LIMIT $2 "
                        "FOR UPDATE SKIP LOCKED",
                        service,
                        min(free, total_free),
                    )
            candidates.sort(key=lambda row: (-row["priority"], row["created_at"]))
            chosen = candidates[:total_free]
            if not chosen:
                return 0
            await asyncio.gather(*(self._publish(row) for row in chosen))
            await conn.execute(
                "UPDATE generation_jobs SET status = 'submitted', dispatch_count = dispatch_count + 1, "
                "submitted_at = now(), updated_at = now() WHERE id = ANY($1::uuid[])",
                [row["id"] for row in chosen],
            )
        return len(chosen)

    async def _publish(self, row: Any) -> None:
        spec = SERVICES[row["service"]]
        request = request_class(spec.grpc_service, row["rpc"]).FromString(row["payload"])
        await self.gateway.transport.submit(
            row["service"], snake_case(row["rpc"]), request, job_id=submission_id(row["id"], row["dispatch_count"] + 1)
        )

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < HOUSEKEEPING_SECONDS:
            return
        self._last_housekeeping = now
        pool = self.gateway.pool
        await pool.execute("DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'")
        rows = await pool.fetch(
            "SELECT service, count(*) AS n FROM generation_jobs WHERE status = 'queued' GROUP BY service"
        )
        queued = {row["service"]: row["n"] for row in rows}
        for service in SERVICES:
            QUEUE_DEPTH.labels(service, "gateway").set(queued.get(service, 0))
