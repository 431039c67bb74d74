"""HTTP errors of the gateway as the studio's own error classes (problem+json detail as the message)."""

from __future__ import annotations

from typing import Any

import httpx

from studio.core.errors import (
    ConfigError,
    FailedPrecondition,
    InvalidInput,
    NotFound,
    Overloaded,
    StudioError,
    Unavailable,
)

_BY_STATUS: dict[int, type[StudioError]] = {
    400: InvalidInput,
    404: NotFound,
    409: FailedPrecondition,
    413: InvalidInput,
    415: InvalidInput,
    422: InvalidInput,
    429: Overloaded,
    502: Unavailable,
    503: Unavailable,
    504: Unavailable,
}
#: A failed job's error code, as the studio error a caller catches.
_BY_JOB_CODE: dict[str, type[StudioError]] = {
    "invalid_argument": InvalidInput,
    "not_found": NotFound,
    "failed_precondition": FailedPrecondition,
    "resource_exhausted": Overloaded,
    "unavailable": Unavailable,
}


class AuthError(ConfigError):
    """The gateway refused the API key (401/403)."""


def _detail(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("detail", "title", "message"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return str(body)[:300]


def error_for(response: httpx.Response) -> StudioError:
    detail = _detail(response)
    if response.status_code in (401, 403):
        return AuthError(f"the gateway refused the API key ({response.status_code}): {detail}; check --key")
    cls = _BY_STATUS.get(response.status_code, StudioError)
    return cls(f"{detail} (HTTP {response.status_code})")


def job_error(code: str, message: str) -> StudioError:
    return _BY_JOB_CODE.get(code, StudioError)(message)
