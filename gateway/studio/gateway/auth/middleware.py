"""Authentication: every route not marked public needs an API key or a web UI token.

Accepted as `Authorization: Bearer <key-or-token>` or `X-API-Key: <key>`. The credential names a
key; the key's account is the tenant, put into the scope as `owner_id` (handlers read it through
the `owner` dependency) beside the `Caller` (`caller` dependency: tenant, key and credential kind).
"""

from __future__ import annotations

from typing import Literal

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from studio.gateway.auth.identity import Caller, Refusal
from studio.gateway.auth.keys import hash_key, looks_like_key
from studio.gateway.auth.tokens import key_of_token
from studio.gateway.context import Gateway
from studio.gateway.errors import Unauthorized
from studio.gateway.http.scope import gateway_of, header, scope_state

PUBLIC = "public"
#: The OpenAPI document and docs UI are public.
DOCS_PATTERN = "^/docs"
INVALID = Refusal("the API key or token is not valid (unknown or expired)", "invalid")


def credential_of(scope: Scope) -> str | None:
    api_key = header(scope, "x-api-key")
    if api_key:
        return api_key.strip()
    authorization = header(scope, "authorization")
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return None


class AuthMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = PUBLIC
    exclude_path_pattern = (DOCS_PATTERN,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        credential = credential_of(scope)
        if credential is None:
            raise Unauthorized(
                "authentication required: send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
                "(create one with `studio keys create --name NAME`)"
            )
        gateway = gateway_of(scope)
        cache_key = hash_key(credential)
        found = gateway.credentials.get(cache_key)
        if found is None:
            found = await _resolve(gateway, credential, cache_key)
            gateway.credentials.put(cache_key, found, gateway.settings.auth_cache_seconds)
        if isinstance(found, Refusal):
            raise Unauthorized(found.message, found.reason)
        state = scope_state(scope)
        state["owner_id"] = found.tenant_id
        state["caller"] = found
        await next_app(scope, receive, send)


async def _resolve(gateway: Gateway, credential: str, credential_hash: str) -> Caller | Refusal:
    """The caller a credential names, or why it is refused; records the key's use (within a minute)."""
    kind: Literal["api_key", "token"]
    if looks_like_key(credential):
        row = await gateway.keys.by_hash(credential_hash)
        kind = "api_key"
    else:
        key_id = key_of_token(gateway.jwt_secret, credential)
        row = None if key_id is None else await gateway.keys.by_id(key_id)
        kind = "token"
    if row is None:
        return INVALID
    if row["revoked_at"] is not None:
        whose = "this API key" if kind == "api_key" else "the API key this token was issued for"
        when = f"{row['revoked_at']:%Y-%m-%d %H:%M} UTC"
        return Refusal(f"{whose} was revoked ({when}); sign in with another key of the account", "revoked")
    if row["stale"]:
        await gateway.keys.touch(row["id"])
    return Caller(tenant_id=row["tenant_id"], key_id=row["id"], credential=kind)
