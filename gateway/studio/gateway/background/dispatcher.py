"""Hands queued jobs to JetStream by priority, within the per-service concurrency caps.

Jobs wait in Postgres (`queued`) until their service has a free slot (fewer than
`max_concurrent_jobs[service]` submitted or running, and under the global cap);
then the highest-priority, oldest ones are published. One transaction with an
advisory lock serialises dispatchers across gateway replicas (the job store's
`dispatch` picks and marks the jobs in one statement); the message id is derived
from the job id and its dispatch count, so a publish repeated after a crash is
deduplicated by JetStream instead of running twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import asyncpg

from studio.core.operations import snake_case
from studio.core.registry import SERVICES
from studio.gateway.background.queue_depth import refresh_queue_depth
from studio.gateway.context import Gateway
from studio.gateway.db.pool import unavailable
from studio.gateway.jobs.ids import submission_id
from studio.gateway.protojson import request_class
from studio.gateway.providers.tenant_keys import open_keys, sealed_for_job

log = logging.getLogger(__name__)

_LOCK_ID = 7_510_043  # arbitrary, constant: "studio dispatcher"
HOUSEKEEPING_SECONDS = 600.0


class Dispatcher:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        self._last_housekeeping = 0.0
        #: Tenants' opened provider keys, per sweep (one read per tenant however many of its jobs go out).
        self._tenant_keys: dict[uuid.UUID, asyncio.Task[dict[str, str]]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep, then sleep until woken: a sweep hands over all the caps allow, so only what arrives
        (or frees up) after it started needs another one."""
        waker = self.gateway.dispatch_waker
        while not stop.is_set():
            waker.clear()  # wakes from now on come from work this sweep may not see
            try:
                await self.dispatch_once()
                await self._housekeeping()
            except Exception as error:
                if isinstance(error, (asyncpg.PostgresError, OSError)) or unavailable(error):
                    log.warning("dispatch sweep failed: %s: %s", type(error).__name__, error)
                else:
                    log.exception("dispatch sweep failed")
            await waker.wait(self.settings.dispatch_interval)

    async def dispatch_once(self) -> int:
        """Publish what the caps allow now; return how many jobs were handed over.

        Whether jobs stay queued for want of a free slot is noted on the gateway: only then does
        a job's end wake the dispatcher (a sweep with nothing to hand over costs four round trips).
        """
        caps = {service: self.settings.max_concurrent_jobs.get(service, 1) for service in SERVICES}
        self._tenant_keys = {}
        handed, waiting = await self.gateway.jobs.dispatch(
            caps, self.settings.max_concurrent_jobs_total, _LOCK_ID, self._publish
        )
        self.gateway.jobs_wait_for_slots = waiting > 0
        log.debug("dispatch sweep: %d handed over, %d waiting for a slot", handed, waiting)
        return handed

    async def _publish(self, row: Any) -> None:
        """Publish the row's next dispatch (its message id says which, so a repeat is deduplicated)."""
        spec = SERVICES[row["service"]]
        request = request_class(spec.grpc_service, row["rpc"]).FromString(row["payload"])
        submission = submission_id(row["id"], row["dispatch_count"] + 1)
        sealed = ""
        if self.gateway.keyring.enabled and row["service"] != "composer":
            owner_id: uuid.UUID = row["owner_id"]
            if owner_id not in self._tenant_keys:
                self._tenant_keys[owner_id] = asyncio.ensure_future(
                    open_keys(self.gateway.provider_keys, self.gateway.keyring, owner_id)
                )
            keys = await self._tenant_keys[owner_id]
            secret = self.gateway.settings.providers.provider_credentials_secret.get_secret_value()
            sealed = sealed_for_job(keys, row["service"], secret, submission)
        await self.gateway.transport.submit(
            row["service"], snake_case(row["rpc"]), request, job_id=submission, sealed_credentials=sealed
        )

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        if now - self._last_housekeeping < HOUSEKEEPING_SECONDS:
            return
        self._last_housekeeping = now
        await self.gateway.idempotency.purge_expired()
        await refresh_queue_depth(self.gateway)
