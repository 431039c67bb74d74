"""Delivers due webhooks from the outbox; failures are retried with exponential backoff, then given up.
Now and then it forgets deliveries that ended over a week ago (the delivery log's span)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import msgspec

from studio.core.metrics import WEBHOOK_DELIVERIES
from studio.gateway.context import Gateway
from studio.gateway.db.pool import unavailable
from studio.gateway.http.signing import SIGNATURE_HEADER, sign
from studio.gateway.http.targets import check_target, webhook_transport

log = logging.getLogger(__name__)

BATCH = 20
#: Seconds between purges of old finished deliveries.
PURGE_INTERVAL = 3600.0
USER_AGENT = "MediaStudio-Webhooks/1"


class WebhookSender:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        # Every connection is checked again when it is made (DNS may have changed since registration),
        # and redirects are never followed: a 3xx is a failed attempt.
        self.client = httpx.AsyncClient(
            transport=webhook_transport(lambda: self.gateway.settings.allow_private_webhooks),
            timeout=self.settings.webhook_timeout,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    async def run(self, stop: asyncio.Event) -> None:
        purged_at = -PURGE_INTERVAL
        try:
            while not stop.is_set():
                try:
                    if time.monotonic() - purged_at >= PURGE_INTERVAL:
                        purged_at = time.monotonic()
                        await self.gateway.webhooks.purge_finished()
                    sent = await self.deliver_due()
                except Exception as error:  # the loop outlives any one failure; deliveries stay pending
                    if unavailable(error):
                        log.warning("webhook sweep failed: the database is unavailable (%s)", type(error).__name__)
                    else:
                        log.exception("webhook sweep failed")
                    sent = 0
                if sent < BATCH:
                    await self.gateway.webhook_waker.wait(1.0)
        finally:
            await self.client.aclose()

    async def deliver_due(self) -> int:
        rows = await self.gateway.webhooks.claim_due(self.settings.webhook_timeout * 2 + 5, BATCH)
        if rows:
            await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    async def _deliver(self, row: asyncpg.Record) -> None:
        body = msgspec.json.encode(row["payload"])
        status: int | None = None
        error = ""
        try:
            await check_target(row["url"], self.gateway.settings.allow_private_webhooks)  # a clear reason first
            response = await self.client.post(
                row["url"],
                content=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Studio-Event": row["event"],
                    "X-Studio-Delivery": str(row["id"]),
                    SIGNATURE_HEADER: sign(row["secret"], body),
                },
            )
            status = response.status_code
            if 200 <= status < 300:
                await self.gateway.webhooks.delivered(row["id"], status)
                WEBHOOK_DELIVERIES.labels(row["event"], "delivered").inc()
                return
            error = f"HTTP {status}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"[:500]
        except Exception as failure:  # noqa: BLE001 - a refused target (InvalidInput) or anything else: retry/fail
            error = str(failure)[:500]
        await self._failed_attempt(row, status, error)

    async def _failed_attempt(self, row: asyncpg.Record, status: int | None, error: str) -> None:
        attempts = row["attempts"] + 1
        final = attempts >= self.settings.webhook_max_attempts
        delay = self.settings.webhook_retry_base * (2 ** (attempts - 1))
        await self.gateway.webhooks.attempt_failed(
            row["id"],
            final=final,
            attempts=attempts,
            status=status,
            error=error,
            retry_at=datetime.now(UTC) + timedelta(seconds=delay),
        )
        WEBHOOK_DELIVERIES.labels(row["event"], "failed" if final else "retry").inc()
        log.info("webhook %s to %s failed (attempt %d): %s", row["event"], row["url"], attempts, error)
