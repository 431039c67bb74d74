"""Every error leaves as application/problem+json (RFC 9457) with a message a user can act on.

Studio errors carry their own status and message; Litestar's HTTP exceptions
(routing, validation, body size) keep theirs; anything else becomes a 500 that
names the request id and never a stack trace. A path prefix may have an error shape of
its own (the OpenAI-compatible /v1 routes answer as OpenAI does): the app's assembly
registers an `ErrorRenderer` for it, and only the shape changes, never the status,
message or headers decided here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from studio.core.errors import StudioError
from studio.gateway.db.pool import unavailable
from studio.gateway.errors import DatabaseUnavailable, Unauthorized
from studio.gateway.requests import PATTERN_WORDS

log = logging.getLogger(__name__)
#: Characters a path keeps as they are (RFC 3986 pchar and "/"); anything else is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, detail: str, instance: str = "", headers: dict[str, str] | None = None, **extra: Any
) -> Response[Any]:
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    body.update(extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


class ErrorRenderer(Protocol):
    """Renders an error already decided (status, message, headers) in a path's own shape."""

    def __call__(self, exc: Exception, status: int, detail: str, headers: dict[str, str] | None) -> Response[Any]: ...


class _OutageLog:
    """One warning per few seconds during a database outage, with a count, instead of one per request."""

    EVERY = 5.0

    def __init__(self) -> None:
        self.last = -self.EVERY
        self.quiet = 0

    def seen(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self.last < self.EVERY:
            self.quiet += 1
            return
        more = f" ({self.quiet} more since the last report)" if self.quiet else ""
        log.warning("database unavailable, answering 503: %s: %s%s", type(exc).__name__, exc, more)
        self.last, self.quiet = now, 0


class _Errors:
    """The handlers, with the renderers registered by path prefix."""

    def __init__(self, renderers: Mapping[str, ErrorRenderer]) -> None:
        self.renderers = dict(renderers)
        self.outage = _OutageLog()

    def render(
        self,
        request: Request[Any, Any, Any],
        exc: Exception,
        status: int,
        detail: str,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> Response[Any]:
        path = request.url.path
        for prefix, renderer in self.renderers.items():
            if path.startswith(prefix):
                return renderer(exc, status, detail, headers)
        # `instance` is a URI reference: control characters (a NUL sent as %00) go back percent-encoded
        return problem(status, detail, quote(path, safe=_PATH_SAFE), headers, **extra)

    def studio_error(self, request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        assert isinstance(exc, StudioError)
        headers: dict[str, str] = {}
        extra: dict[str, Any] = {}
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        if isinstance(exc, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="studio"'
            extra["reason"] = exc.reason
        if exc.http_status >= 500:
            log.warning("%s %s -> %d: %s", request.method, request.url.path, exc.http_status, exc.message)
        members = {**getattr(exc, "problem_members", {}), **extra}
        return self.render(request, exc, exc.http_status, exc.message, headers or None, **members)

    def http_exception(self, request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        assert isinstance(exc, HTTPException)
        if exc.status_code >= 500:
            return self.unexpected(request, exc)
        headers = dict(exc.headers or {}) or None
        if isinstance(exc, ValidationException) or exc.status_code == 400:
            detail, errors = _validation_detail(exc) if isinstance(exc, ValidationException) else (str(exc.detail), [])
            return self.render(request, exc, 400, detail, headers, **({"errors": errors} if errors else {}))
        detail = str(exc.detail)
        if exc.status_code == 413:
            detail = f"request body too large: {detail}" if "large" not in detail.lower() else detail
        return self.render(request, exc, exc.status_code, detail, headers)

    def database(self, request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        """A database that is restarting or away is a 503 with Retry-After, logged in one line now and then."""
        self.outage.seen(exc)
        error = DatabaseUnavailable(
            "the database is unavailable for a moment (restarting or overloaded); retry shortly"
        )
        return self.render(
            request, error, error.http_status, error.message, {"Retry-After": str(DatabaseUnavailable.retry_after)}
        )

    def unexpected(self, request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        if unavailable(exc):  # the database restarting or away (studio.gateway.db.pool.unavailable)
            return self.database(request, exc)
        return self._internal(request, exc)

    def _internal(self, request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        request_id = request.scope.get("state", {}).get("request_id", "")
        log.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
        detail = f"internal error (request {request_id}); the gateway logs have the details"
        return self.render(request, exc, 500, detail)


def _validation_detail(exc: ValidationException) -> tuple[str, list[Any]]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in errors:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or "body"
            message = str(item.get("message", "invalid"))
            worded = next((words for pattern, words in PATTERN_WORDS.items() if repr(pattern) in message), None)
            parts.append(f"{where}: {worded or message}")
    detail = "; ".join(parts) if parts else str(exc.detail)
    return f"invalid request: {detail}", errors


def exception_handlers(renderers: Mapping[str, ErrorRenderer] | None = None) -> ExceptionHandlersMap:
    """problem+json everywhere, except under the path prefixes `renderers` name."""
    errors = _Errors(renderers or {})
    return {StudioError: errors.studio_error, HTTPException: errors.http_exception, Exception: errors.unexpected}
