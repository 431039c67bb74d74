"""Register, list and delete webhooks; read the key's own account and signing secret."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post

from studio.gateway.context import Gateway
from studio.gateway.domain.webhooks.schemas import Account, Webhook, WebhookCreate
from studio.gateway.domain.webhooks.services import create_webhook, list_webhooks
from studio.gateway.jobs.ids import parse_uuid


class WebhookController(Controller):
    path = "/api/v1/webhooks"
    tags = ("webhooks",)

    @post("/", operation_id="create_webhook", summary="Register a webhook for your jobs' outcomes")
    async def create(self, gateway: Gateway, owner: uuid.UUID, data: WebhookCreate) -> Webhook:
        return await create_webhook(gateway, owner, data)

    @get("/", operation_id="list_webhooks", summary="Your registered webhooks")
    async def list_(self, gateway: Gateway, owner: uuid.UUID) -> list[Webhook]:
        return await list_webhooks(gateway, owner)

    @delete("/{webhook_id:str}", operation_id="delete_webhook", summary="Remove a webhook")
    async def remove(self, gateway: Gateway, owner: uuid.UUID, webhook_id: str) -> None:
        await gateway.webhooks.delete(owner, parse_uuid(webhook_id, "webhook"))


class AccountController(Controller):
    path = "/api/v1/account"
    tags = ("account",)

    @get("/", operation_id="get_account", summary="The calling key's account and webhook signing secret")
    async def account(self, gateway: Gateway, owner: uuid.UUID) -> Account:
        row = await gateway.keys.get(owner)
        return Account(
            id=str(row["id"]),
            name=row["name"],
            key_prefix=row["prefix"],
            webhook_secret=row["webhook_secret"],
            created_at=row["created_at"],
        )
