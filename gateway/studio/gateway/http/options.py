"""OPTIONS answers `Allow` with every method of the path.

Litestar builds each path's OPTIONS handler while the path's handlers are still being registered,
so a path served by several handlers (GET and POST on a collection) could be answered with only
the first one's methods. The header is rewritten from the app's full method map instead.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class AllowHeaderMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method") != "OPTIONS":
            await next_app(scope, receive, send)
            return
        methods = scope["litestar_app"].route_handler_method_map.get(scope.get("path_template", ""), {})
        allow = ", ".join(sorted(methods)).encode()

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and allow:
                headers = [(k, v) for k, v in message.get("headers", ()) if bytes(k).lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", allow)]
            await send(message)

        await next_app(scope, receive, send_with_allow)
