"""OPTIONS answers `Allow` with every method of the path.

Litestar builds each path's OPTIONS handler while the path's handlers are still being registered,
so a path served by several handlers (GET and POST on a collection) could be answered with only
the first one's methods. The header is rewritten from the app's full method map instead.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send


@cache
def _methods(app: Litestar) -> dict[str, str]:
    """Every path's methods, under each way the path is written (with and without parameter types)."""
    found: dict[str, set[str]] = defaultdict(set)
    for route in app.routes:
        for written in (route.path, route.path_format):
            found[written] |= set(route.methods)
    for written in list(found):
        found[written] = found[written] | found[_untyped(written)]
    return {written: ", ".join(sorted(methods)) for written, methods in found.items()}


def _untyped(path: str) -> str:
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", path)


class AllowHeaderMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method") != "OPTIONS":
            await next_app(scope, receive, send)
            return
        allow = _methods(scope["litestar_app"]).get(scope.get("path_template", ""), "").encode()

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and allow:
                headers = [(k, v) for k, v in message.get("headers", ()) if bytes(k).lower() != b"allow"]
                message["headers"] = [*headers, (b"allow", allow)]
            await send(message)

        await next_app(scope, receive, send_with_allow)
