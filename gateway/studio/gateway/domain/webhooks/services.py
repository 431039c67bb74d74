"""Registering webhooks, testing them and reading their delivery log (deliveries: `effects` queues them,
`background.webhooks` sends them)."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

import asyncpg

from studio.gateway.context import Gateway
from studio.gateway.domain.webhooks.schemas import Webhook, WebhookCreate, WebhookDelivery
from studio.gateway.http.targets import check_target
from studio.gateway.webhook_events import ALL_EVENTS, TEST_EVENT


def webhook_out(row: asyncpg.Record, secret: str | None = None) -> Webhook:
    return Webhook(
        id=str(row["id"]),
        url=row["url"],
        events=list(row["events"]),
        job_types=list(row["job_types"]),
        created_at=row["created_at"],
        secret=secret,
    )


def delivery_out(row: asyncpg.Record) -> WebhookDelivery:
    return WebhookDelivery(
        id=str(row["id"]),
        event=row["event"],
        status=row["status"],
        response_status=row["last_status"],
        attempts=row["attempts"],
        error=row["last_error"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        job_id=str(row["job_id"]) if row["job_id"] else None,
        project_id=str(row["project_id"]) if row["project_id"] else None,
    )


async def create_webhook(gateway: Gateway, owner_id: uuid.UUID, data: WebhookCreate) -> Webhook:
    await check_target(data.url, gateway.settings.allow_private_webhooks)
    secret = "whsec_" + secrets.token_urlsafe(24)
    row = await gateway.webhooks.create(
        owner_id,
        data.url,
        secret,
        list(dict.fromkeys(data.events or ALL_EVENTS)),
        list(dict.fromkeys(data.job_types)),
    )
    return webhook_out(row, secret)


async def list_webhooks(gateway: Gateway, owner_id: uuid.UUID) -> list[Webhook]:
    return [webhook_out(row) for row in await gateway.webhooks.of_owner(owner_id)]


async def send_test_event(gateway: Gateway, owner_id: uuid.UUID, webhook_id: uuid.UUID) -> WebhookDelivery:
    """Queue a signed webhook.test through the normal path (signature, retries, log) and wake the sender."""
    payload = {"event": TEST_EVENT, "webhook_id": str(webhook_id), "sent_at": datetime.now(UTC).isoformat()}
    row = await gateway.webhooks.enqueue_test(owner_id, webhook_id, TEST_EVENT, payload)
    gateway.webhook_waker.wake()
    return delivery_out(row)
