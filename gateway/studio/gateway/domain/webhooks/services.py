"""Registering webhooks, queueing deliveries when jobs end, and delivering them with retries."""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import msgspec

from studio.core.errors import NotFound
from studio.core.metrics import WEBHOOK_DELIVERIES
from studio.gateway.context import Gateway
from studio.gateway.domain.jobs.services import job_assets, job_out
from studio.gateway.domain.webhooks.schemas import Webhook, WebhookCreate
from studio.gateway.domain.webhooks.signing import SIGNATURE_HEADER, sign
from studio.gateway.domain.webhooks.targets import check_target

log = logging.getLogger(__name__)

EVENT_OF_STATUS = {"completed": "job.completed", "failed": "job.failed", "cancelled": "job.cancelled"}
BATCH = 20
USER_AGENT = "MediaStudio-Webhooks/1"


def webhook_out(row: asyncpg.Record, secret: str | None = None) -> Webhook:
    return Webhook(
        id=str(row["id"]),
        url=row["url"],
        events=list(row["events"]),
        job_types=list(row["job_types"]),
        created_at=row["created_at"],
        secret=secret,
    )


async def create_webhook(gateway: Gateway, owner_id: uuid.UUID, data: WebhookCreate) -> Webhook:
    await check_target(data.url, gateway.settings.allow_private_webhooks)
    secret = "whsec_" + secrets.token_urlsafe(24)
    row = await gateway.pool.fetchrow(
        "INSERT INTO webhooks (owner_id, url, secret, events, job_types) VALUES ($1, $2, $3, $4, $5) RETURNING *",
        owner_id,
        data.url,
        secret,
        list(dict.fromkeys(data.events or EVENT_OF_STATUS.values())),
        list(dict.fromkeys(data.job_types)),
    )
    assert row is not None
    return webhook_out(row, secret)


async def list_webhooks(gateway: Gateway, owner_id: uuid.UUID) -> list[Webhook]:
    rows = await gateway.pool.fetch("SELECT * FROM webhooks WHERE owner_id = $1 ORDER BY created_at", owner_id)
    return [webhook_out(row) for row in rows]


async def delete_webhook(gateway: Gateway, owner_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
    deleted = await gateway.pool.fetchval(
        "DELETE FROM webhooks WHERE id = $1 AND owner_id = $2 RETURNING id", webhook_id, owner_id
    )
    if deleted is None:
        raise NotFound(f"webhook {webhook_id} not found")


async def enqueue_deliveries(conn: asyncpg.Connection, gateway: Gateway, row: asyncpg.Record) -> int:
    """Queue this terminal job's webhooks (once: a redelivered event adds nothing)."""
    event = EVENT_OF_STATUS.get(row["status"])
    if event is None:
        return 0
    extra = await conn.fetchrow(
        "SELECT j.webhook_url, j.webhook_events, k.webhook_secret FROM generation_jobs j "
        "JOIN api_keys k ON k.id = j.owner_id WHERE j.id = $1",
        row["id"],
    )
    assert extra is not None
    targets: list[tuple[uuid.UUID | None, str, str]] = []
    if extra["webhook_url"] and (not extra["webhook_events"] or event in extra["webhook_events"]):
        targets.append((None, extra["webhook_url"], extra["webhook_secret"]))
    for hook in await conn.fetch(
        "SELECT id, url, secret FROM webhooks WHERE owner_id = $1 AND $2 = ANY(events) "
        "AND (cardinality(job_types) = 0 OR $3 = ANY(job_types))",
        row["owner_id"],
        event,
        row["type"],
    ):
        targets.append((hook["id"], hook["url"], hook["secret"]))
    if not targets:
        return 0
    assets = await job_assets(conn, [row["id"]])
    payload = {
        "event": event,
        "created_at": datetime.now(UTC).isoformat(),
        "job": msgspec.to_builtins(job_out(gateway, row, assets[row["id"]])),
    }
    for webhook_id, url, secret in targets:
        await conn.execute(
            "INSERT INTO webhook_deliveries (owner_id, job_id, webhook_id, url, secret, event, payload) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id, url, event) DO NOTHING",
            row["owner_id"],
            row["id"],
            webhook_id,
            url,
            secret,
            event,
            payload,
        )
    return len(targets)


class WebhookSender:
    """Delivers due webhooks; failures are retried with exponential backoff, then given up."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.settings = gateway.settings
        self.client = httpx.AsyncClient(
            timeout=self.settings.webhook_timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
        )

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    sent = await self.deliver_due()
                except Exception:  # the loop outlives any one failure; deliveries stay pending
                    log.exception("webhook sweep failed")
                    sent = 0
                if sent < BATCH:
                    await self.gateway.webhook_waker.wait(1.0)
        finally:
            await self.client.aclose()

    async def deliver_due(self) -> int:
        lease = self.settings.webhook_timeout * 2 + 5
        rows = await self.gateway.pool.fetch(
            "UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $1) "
            "WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now() "
            "  ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING *",
            lease,
            BATCH,
        )
        if rows:
            await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    async def _deliver(self, row: asyncpg.Record) -> None:
        body = msgspec.json.encode(row["payload"])
        status: int | None = None
        error = ""
        try:
            await check_target(row["url"], self.settings.allow_private_webhooks)  # DNS may have changed
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
                await self.gateway.pool.execute(
                    "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $2, "
                    "last_error = NULL, delivered_at = now() WHERE id = $1",
                    row["id"],
                    status,
                )
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
        await self.gateway.pool.execute(
            "UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5, "
            "next_attempt_at = $6 WHERE id = $1",
            row["id"],
            "failed" if final else "pending",
            attempts,
            status,
            error,
            datetime.now(UTC) + timedelta(seconds=delay),
        )
        WEBHOOK_DELIVERIES.labels(row["event"], "failed" if final else "retry").inc()
        log.info("webhook %s to %s failed (attempt %d): %s", row["event"], row["url"], attempts, error)
