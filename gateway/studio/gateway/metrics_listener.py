"""/metrics on a port of its own (STUDIO_GATEWAY_METRICS_PORT), bound to STUDIO_METRICS_HOST.

By default the gateway serves /metrics on its API port, where compose and Kubernetes scrape it
from inside their networks. A stack whose API port faces users (`make up` with
STUDIO_HOST=0.0.0.0) serves metrics only here instead, on loopback unless told otherwise, and
the API port answers 404 for /metrics: request counts, queue depths and routes are not for
whoever can reach the API.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from studio.gateway.background.queue_depth import refresh_queue_depth
from studio.gateway.context import Gateway

Scope = dict[str, Any]


def metrics_app(gateway: Gateway) -> Any:
    """A minimal ASGI app: GET /metrics (queue depths refreshed at scrape time), 404 for anything else."""

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":  # served with lifespan off: only http scopes arrive
            return
        if scope["path"] == "/metrics" and scope["method"] in ("GET", "HEAD"):
            await refresh_queue_depth(gateway, jetstream=True)
            status, body, kind = 200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST
        else:
            status, body, kind = 404, b"only /metrics is served here\n", "text/plain; charset=utf-8"
        headers = [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})

    return app
