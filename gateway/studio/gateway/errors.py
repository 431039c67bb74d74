"""Gateway-only errors, on top of the shared vocabulary in studio.core.errors."""

from __future__ import annotations

import math

from studio.core.errors import InvalidInput, Overloaded, StudioError, Unavailable


class Unauthorized(StudioError):
    """No credentials, or credentials that are unknown, revoked or expired."""

    http_status = 401


class UnsupportedMediaType(InvalidInput):
    """An upload (or body) of a type the endpoint does not take; the message lists what it takes."""

    http_status = 415


class PayloadTooLarge(InvalidInput):
    http_status = 413


class RateLimited(Overloaded):
    """Too many requests for this key on this endpoint; `retry_after` says when to come back."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


class Unprocessable(InvalidInput):
    """Well-formed but unusable: e.g. an Idempotency-Key reused with a different body."""

    http_status = 422


class DatabaseUnavailable(Unavailable):
    """PostgreSQL cannot be reached right now (restarting, failing over, out of connections): come back soon."""

    retry_after = 2
