"""Register, inspect, test and delete webhooks; read their delivery log and the key's own signing secret."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.params import Parameter

from studio.gateway.auth.identity import Caller
from studio.gateway.context import Gateway
from studio.gateway.domain.webhooks.schemas import Account, Webhook, WebhookCreate, WebhookDelivery
from studio.gateway.domain.webhooks.services import (
    create_webhook,
    delivery_out,
    list_webhooks,
    send_test_event,
    webhook_out,
)
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.openapi import ERROR_RESPONSES

WebhookId = Annotated[str, Parameter(description="The webhook's id; another key's (or not a UUID) is a 404")]


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ("webhooks",)

    @post("/", operation_id="create_webhook", summary="Register a webhook for your jobs' and projects' outcomes")
    async def create(self, gateway: Gateway, owner: uuid.UUID, data: WebhookCreate) -> Webhook:
        return await create_webhook(gateway, owner, data)

    @get("/", operation_id="list_webhooks", summary="Your registered webhooks")
    async def list_(self, gateway: Gateway, owner: uuid.UUID) -> list[Webhook]:
        return await list_webhooks(gateway, owner)

    @get(
        "/{webhook_id:str}",
        operation_id="get_webhook",
        summary="One of your webhooks (its secret is never shown again)",
        responses=ERROR_RESPONSES,
    )
    async def get_one(self, gateway: Gateway, owner: uuid.UUID, webhook_id: WebhookId) -> Webhook:
        return webhook_out(await gateway.webhooks.get(owner, parse_uuid(webhook_id, "webhook")))

    @delete("/{webhook_id:str}", operation_id="delete_webhook", summary="Remove a webhook")
    async def remove(self, gateway: Gateway, owner: uuid.UUID, webhook_id: WebhookId) -> None:
        await gateway.webhooks.delete(owner, parse_uuid(webhook_id, "webhook"))

    @post(
        "/{webhook_id:str}/test",
        operation_id="test_webhook",
        summary="Send a signed webhook.test event to the webhook",
        description="Goes through the normal delivery path (signature, retries) whatever events the webhook "
        'subscribed to: `{"event": "webhook.test", "webhook_id": …, "sent_at": …}`. Answers the queued '
        "delivery; follow it in GET /api/v1/webhooks/{webhook_id}/deliveries.",
        responses=ERROR_RESPONSES,
        status_code=202,
    )
    async def test(self, gateway: Gateway, owner: uuid.UUID, webhook_id: WebhookId) -> Response[WebhookDelivery]:
        delivery = await send_test_event(gateway, owner, parse_uuid(webhook_id, "webhook"))
        return Response(delivery, status_code=202)

    @get(
        "/{webhook_id:str}/deliveries",
        operation_id="list_webhook_deliveries",
        summary="The webhook's deliveries of the last 7 days, newest first",
        responses=ERROR_RESPONSES,
    )
    async def deliveries(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        webhook_id: WebhookId,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> list[WebhookDelivery]:
        rows = await gateway.webhooks.deliveries(owner, parse_uuid(webhook_id, "webhook"), limit, offset)
        return [delivery_out(row) for row in rows]


class AccountController(Controller):
    path = "/api/v1/account"
    tags = ("account",)

    @get("/", operation_id="get_account", summary="The calling key's account and webhook signing secret")
    async def account(self, gateway: Gateway, caller: Caller) -> Account:
        row = await gateway.keys.get(caller.key_id)
        return Account(
            id=str(caller.tenant_id),
            key_id=str(row["id"]),
            name=row["name"],
            key_prefix=row["prefix"],
            webhook_secret=await gateway.keys.webhook_secret(gateway.pool, caller.tenant_id),
            created_at=row["created_at"],
        )
