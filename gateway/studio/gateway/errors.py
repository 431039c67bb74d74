"""Gateway-only errors, on top of the shared vocabulary in studio.core.errors."""

from __future__ import annotations

import math
from typing import Any

from studio.core.errors import InvalidInput, Overloaded, StudioError, Unavailable


class InvalidField(InvalidInput):
    """A request error about one named field (OpenAI-shaped errors carry it as `param`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Unauthorized(StudioError):
    """No credentials, or credentials that are unknown, revoked or expired.

    `reason` ("missing", "invalid", "revoked") goes into the problem as `reason`, so a client can say
    in its own language why it was signed out.
    """

    http_status = 401

    def __init__(self, message: str, reason: str = "missing") -> None:
        super().__init__(message)
        self.reason = reason


class Forbidden(StudioError):
    """Authenticated, but this credential may not do this (a web UI token making API keys)."""

    http_status = 403


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


class BudgetExceeded(StudioError):
    """The job (or production) would take its owner past the monthly budget: nothing was created."""

    http_status = 402

    def __init__(self, message: str, **members: float) -> None:
        super().__init__(message)
        #: Members of the problem+json answer besides status and detail.
        self.problem_members: dict[str, Any] = {
            "type": "/problems/budget-exceeded",
            "title": "Monthly budget exceeded",
            **members,
        }


class DatabaseUnavailable(Unavailable):
    """PostgreSQL cannot be reached right now (restarting, failing over, out of connections): come back soon."""

    retry_after = 2
