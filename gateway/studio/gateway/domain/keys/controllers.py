"""/api/v1/keys: the keys of the calling account. Only an API key can make keys (a web UI token
cannot, so a stolen short-lived token cannot turn into a lasting credential)."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from litestar import Controller, delete, get, post
from litestar.params import Parameter

from studio.gateway.auth.identity import Caller
from studio.gateway.auth.keys import create_key
from studio.gateway.context import Gateway
from studio.gateway.domain.keys.schemas import ApiKey, KeyCreate
from studio.gateway.errors import Forbidden
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.openapi import ERROR_RESPONSES, problem_response

KeyId = Annotated[str, Parameter(description="The key's id; another account's (or not a UUID) is a 404")]


def key_out(row: asyncpg.Record, caller: Caller, key: str | None = None) -> ApiKey:
    return ApiKey(
        id=str(row["id"]),
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
        current=row["id"] == caller.key_id,
        key=key,
    )


class KeyController(Controller):
    path = "/api/v1/keys"
    tags = ("account",)

    @get("/", operation_id="list_keys", summary="The account's API keys, revoked ones too, newest first")
    async def list_(
        self,
        gateway: Gateway,
        caller: Caller,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 100,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> list[ApiKey]:
        rows = await gateway.keys.of_tenant(caller.tenant_id, limit, offset)
        return [key_out(row, caller) for row in rows]

    @post(
        "/",
        operation_id="create_key",
        summary="Make another API key for the account (the key is shown in this answer only)",
        description="The new key sees and makes the same projects, jobs, assets, voices, webhooks and presets "
        "as every other key of the account. Only an API key may call this: a web UI token is a 403.",
        responses={
            **ERROR_RESPONSES,
            403: problem_response("A web UI token cannot make API keys"),
            409: problem_response("The account has the most keys it may (100 not revoked)"),
        },
        status_code=201,
    )
    async def create(self, gateway: Gateway, caller: Caller, data: KeyCreate) -> ApiKey:
        if caller.credential != "api_key":
            raise Forbidden(
                "only an API key can make API keys, not a web UI token: sign in with a key and "
                "'stay signed in', or run `studio keys create` on the server"
            )
        created = await create_key(gateway.pool, data.name, caller.tenant_id)
        return key_out(await gateway.keys.get(created.id), caller, created.key)

    @delete(
        "/{key_id:str}",
        operation_id="revoke_key",
        summary="Revoke one of the account's keys: it and its web UI tokens are refused from now on",
        description="Revoking the key making the request is allowed (the next request with it is a 401). The key "
        "stays listed, with `revoked_at`; what the account made stays the account's.",
        responses=ERROR_RESPONSES,
    )
    async def revoke(self, gateway: Gateway, caller: Caller, key_id: KeyId) -> None:
        row = await gateway.keys.revoke_of(caller.tenant_id, parse_uuid(key_id, "API key"))
        gateway.credentials.forget_key(row["id"])
