"""Authentication: every route not marked public needs an API key or a web UI token.

Accepted as `Authorization: Bearer <key-or-token>` or `X-API-Key: <key>`. The
resolved tenant goes into the scope; handlers read it through the `owner` dependency.
"""

from __future__ import annotations

import time
import uuid

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from studio.gateway.auth.keys import hash_key, looks_like_key
from studio.gateway.auth.tokens import owner_of_token
from studio.gateway.errors import Unauthorized
from studio.gateway.http.scope import gateway_of, header, scope_state

PUBLIC = "public"
#: The OpenAPI document and docs UI are public.
DOCS_PATTERN = "^/docs"
_CACHE_LIMIT = 10_000


class _CredentialCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[uuid.UUID | None, float]] = {}

    def get(self, credential: str) -> tuple[bool, uuid.UUID | None]:
        entry = self._entries.get(credential)
        if entry is None or entry[1] < time.monotonic():
            return False, None
        return True, entry[0]

    def put(self, credential: str, owner: uuid.UUID | None, seconds: float) -> None:
        if len(self._entries) >= _CACHE_LIMIT:
            self._entries.clear()
        self._entries[credential] = (owner, time.monotonic() + seconds)


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

    def __init__(self) -> None:
        self.cache = _CredentialCache()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        credential = credential_of(scope)
        if credential is None:
            raise Unauthorized(
                "authentication required: send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>' "
                "(create one with `studio keys create --name NAME`)"
            )
        cache_key = hash_key(credential)
        known, owner = self.cache.get(cache_key)
        if not known:
            owner = await self._resolve(scope, credential, cache_key)
            self.cache.put(cache_key, owner, gateway_of(scope).settings.auth_cache_seconds)
        if owner is None:
            raise Unauthorized("the API key or token is not valid (unknown, revoked or expired)")
        scope_state(scope)["owner_id"] = owner
        scope_state(scope)["credential"] = "api_key" if looks_like_key(credential) else "token"
        await next_app(scope, receive, send)

    async def _resolve(self, scope: Scope, credential: str, credential_hash: str) -> uuid.UUID | None:
        gateway = gateway_of(scope)
        if looks_like_key(credential):
            return await gateway.keys.owner_of_hash(credential_hash)
        owner = owner_of_token(gateway.jwt_secret, credential)
        if owner is None:
            return None
        return owner if await gateway.keys.active(owner) else None
