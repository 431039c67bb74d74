"""Per-key, per-endpoint rate limits: a token bucket per (tenant, operation id).

Buckets live in this process; with N gateway replicas behind a balancer the
effective limit is up to N times the configured one.
"""

from __future__ import annotations

import time
import uuid

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from studio.gateway.auth.middleware import DOCS_PATTERN, PUBLIC
from studio.gateway.errors import RateLimited
from studio.gateway.http.scope import gateway_of, operation_id_of, owner_of

_BUCKET_LIMIT = 100_000


class TokenBuckets:
    def __init__(self) -> None:
        self._buckets: dict[tuple[uuid.UUID, str], tuple[float, float]] = {}

    def take(self, key: tuple[uuid.UUID, str], per_minute: int, now: float | None = None) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        rate = per_minute / 60.0
        tokens, last = self._buckets.get(key, (float(per_minute), now))
        tokens = min(float(per_minute), tokens + (now - last) * rate)
        if tokens >= 1.0:
            if len(self._buckets) >= _BUCKET_LIMIT:
                self._buckets.clear()
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / rate


class RateLimitMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)
    exclude_opt_key = PUBLIC
    exclude_path_pattern = (DOCS_PATTERN,)

    def __init__(self) -> None:
        self.buckets = TokenBuckets()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        owner = owner_of(scope)
        if owner is not None:
            settings = gateway_of(scope).settings
            operation = operation_id_of(scope)
            default = (
                settings.rate_limit_read_per_minute
                if scope.get("method") in ("GET", "HEAD", "OPTIONS")
                else settings.rate_limit_write_per_minute
            )
            limit = settings.rate_limits.get(operation, default)
            wait = self.buckets.take((owner, operation), limit)
            if wait > 0:
                raise RateLimited(
                    f"rate limit of {limit} requests per minute for {operation} reached for this key; "
                    f"retry in {wait:.0f}s",
                    wait,
                )
        await next_app(scope, receive, send)
