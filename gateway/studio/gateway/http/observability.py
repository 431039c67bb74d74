"""Request ids in logs and responses, and the HTTP metrics, for every routed request."""

from __future__ import annotations

import re
import time
import uuid

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from studio.core.logging import log_context
from studio.core.metrics import HTTP_LATENCY, HTTP_REQUESTS
from studio.gateway.http.scope import header, scope_state

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


class ObservabilityMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        given = header(scope, "x-request-id")
        request_id = given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope_state(scope)["request_id"] = request_id
        route = scope.get("path_template") or "unmatched"
        method = scope.get("method", "GET")
        status = 500
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            with log_context(request_id=request_id):
                await next_app(scope, receive, send_wrapper)
        except Exception as error:  # answered by the app's exception handlers, outside this middleware
            status = int(getattr(error, "http_status", 0) or getattr(error, "status_code", 500))
            raise
        finally:
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
