"""`Idempotency-Key` on POST: a retry gets the original response instead of doing the work twice.

The first request claims (tenant, key) in Postgres before it runs; its 2xx response
is stored and replayed to retries with the same body. The claim is a lease of
LEASE_SECONDS that the request renews while it runs: the claim of a process that died
(kill -9, OOM) runs out within seconds and the key can be used again. An error response releases
the key (nothing was done, so a retry should really retry). The same key with a
different body is refused (422); a retry while the first is still running gets 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from litestar.types.asgi_types import HTTPDisconnectEvent, HTTPRequestEvent

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.gateway.auth.middleware import DOCS_PATTERN, PUBLIC
from studio.gateway.errors import PayloadTooLarge, Unprocessable
from studio.gateway.http.scope import gateway_of, header, owner_of
from studio.gateway.store.idempotency import IdempotencyStore

log = logging.getLogger(__name__)

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
#: A claim not renewed for this long belongs to a request whose process died; it is then taken over.
LEASE_SECONDS = 6.0
#: A running request renews its claim this often (a few renewals fit in one lease).
RENEW_SECONDS = 2.0
_REPLAYED_HEADERS = {"content-type", "location", "preference-applied"}


def _max_body(scope: Scope) -> float:
    handler: Any = scope.get("route_handler")
    resolve = getattr(handler, "resolve_request_max_body_size", None)
    resolved = resolve() if resolve is not None else None
    return float(resolved) if resolved else math.inf


def _request_hash(scope: Scope, body: bytes) -> str:
    content_type = header(scope, "content-type") or ""
    boundary = re.search(r"boundary=\"?([^\";]+)", content_type)
    if boundary:  # clients pick a new multipart boundary per attempt: hash the content, not the boundary
        body = body.replace(boundary.group(1).encode(), b"")
        content_type = content_type.split(";", 1)[0]
    digest = hashlib.sha256()
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    for part in (str(scope.get("method", "")), str(scope.get("path", "")), query, content_type):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return digest.hexdigest()


async def _read_body(receive: Receive, limit: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is larger than this endpoint's limit of {int(limit)} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


@contextlib.asynccontextmanager
async def held_claim(store: IdempotencyStore, owner: uuid.UUID, key: str, holder: uuid.UUID) -> AsyncIterator[None]:
    """Renew a claim while the block runs; when the process dies the renewals stop and the lease runs out."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                if not await store.renew(owner, key, holder, LEASE_SECONDS):
                    return
            except Exception as error:  # noqa: BLE001 - a database hiccup: the next renewal may get through
                log.warning("could not renew the claim on an Idempotency-Key (%s)", error)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


class IdempotencyMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = PUBLIC
    exclude_path_pattern = (DOCS_PATTERN,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        key = header(scope, "idempotency-key")
        owner = owner_of(scope)
        if scope.get("method") != "POST" or key is None or owner is None:
            await next_app(scope, receive, send)
            return
        if not _KEY.match(key):
            raise InvalidInput("Idempotency-Key must be 1-255 visible ASCII characters (a UUID is a good choice)")
        body = await _read_body(receive, _max_body(scope))
        request_hash = _request_hash(scope, body)
        holder = uuid.uuid4()
        claimed = await gateway_of(scope).idempotency.claim(
            owner,
            key,
            str(scope.get("method", "POST")),
            str(scope.get("path", "")),
            request_hash,
            holder,
            LEASE_SECONDS,
        )
        if not claimed:
            await self._replay(scope, send, owner, key, request_hash)
            return
        async with held_claim(gateway_of(scope).idempotency, owner, key, holder):
            await self._run_and_store(scope, send, next_app, owner, key, holder, body)

    async def _replay(self, scope: Scope, send: Send, owner: uuid.UUID, key: str, request_hash: str) -> None:
        row = await gateway_of(scope).idempotency.get(owner, key)
        if row is None:
            raise FailedPrecondition("the Idempotency-Key was released while this request arrived; retry it")
        if row["request_hash"] != request_hash:
            raise Unprocessable(
                f"Idempotency-Key {key!r} was already used for a different request ({row['path']}); "
                "use a new key for a new request"
            )
        if row["status_code"] is None:
            raise FailedPrecondition(
                f"a request with Idempotency-Key {key!r} is still being handled; retry in a moment"
            )
        headers = [(name.encode(), value.encode()) for name, value in row["headers"]]
        headers.append((b"idempotent-replayed", b"true"))
        await send({"type": "http.response.start", "status": row["status_code"], "headers": headers})
        await send({"type": "http.response.body", "body": bytes(row["body"]), "more_body": False})

    async def _run_and_store(
        self, scope: Scope, send: Send, next_app: ASGIApp, owner: uuid.UUID, key: str, holder: uuid.UUID, body: bytes
    ) -> None:
        store = gateway_of(scope).idempotency
        delivered = False

        async def replay_receive() -> ReceiveMessage:
            nonlocal delivered
            if not delivered:
                delivered = True
                request: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
                return request
            disconnect: HTTPDisconnectEvent = {"type": "http.disconnect"}
            return disconnect

        status = 0
        headers: list[list[str]] = []
        chunks: list[bytes] = []
        # The response is held until the key is stored or released, so a client that
        # retries the moment it sees an error never finds its key still taken.
        held: list[Message] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    [bytes(n).decode("latin-1"), bytes(v).decode("latin-1")]
                    for n, v in message.get("headers", ())
                    if bytes(n).decode("latin-1").lower() in _REPLAYED_HEADERS
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            held.append(message)

        stored = False
        try:
            await next_app(scope, replay_receive, capture)
            if 200 <= status < 300:
                await store.store(owner, key, holder, status, headers, b"".join(chunks))
                stored = True
        finally:
            if not stored:
                await store.release(owner, key, holder)
        for message in held:
            await send(message)
