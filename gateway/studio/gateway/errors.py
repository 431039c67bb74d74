"""Gateway-only errors, on top of the shared vocabulary in studio.core.errors."""

from __future__ import annotations

import math

from studio.core.errors import InvalidInput, Overloaded, StudioError


class InvalidField(InvalidInput):
    """A request error about one named field (OpenAI-shaped errors carry it as `param`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


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
