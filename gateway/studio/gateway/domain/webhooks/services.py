"""Registering webhooks (deliveries: `effects` queues them, `background.webhooks` sends them)."""

from __future__ import annotations

import secrets
import uuid

import asyncpg

from studio.gateway.context import Gateway
from studio.gateway.domain.webhooks.schemas import EVENT_OF_STATUS, Webhook, WebhookCreate
from studio.gateway.http.targets import check_target


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
    row = await gateway.webhooks.create(
        owner_id,
        data.url,
        secret,
        list(dict.fromkeys(data.events or EVENT_OF_STATUS.values())),
        list(dict.fromkeys(data.job_types)),
    )
    return webhook_out(row, secret)


async def list_webhooks(gateway: Gateway, owner_id: uuid.UUID) -> list[Webhook]:
    return [webhook_out(row) for row in await gateway.webhooks.of_owner(owner_id)]
