"""Every error leaves as application/problem+json (RFC 9457) with a message a user can act on.

Studio errors carry their own status and message; Litestar's HTTP exceptions
(routing, validation, body size) keep theirs; anything else becomes a 500 that
names the request id and never a stack trace.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from studio.core.errors import StudioError
from studio.gateway.errors import RateLimited, Unauthorized

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int, detail: str, instance: str = "", headers: dict[str, str] | None = None, **extra: Any
) -> Response[Any]:
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    if instance.startswith("/v1/"):  # OpenAI clients read error.message
        kind = "invalid_request_error" if status < 500 else "api_error"
        body["error"] = {"message": detail, "type": kind, "code": status}
    body.update(extra)
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _studio_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, StudioError)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="studio"'
    if exc.http_status >= 500:
        log.warning("%s %s -> %d: %s", request.method, request.url.path, exc.http_status, exc.message)
    return problem(exc.http_status, exc.message, request.url.path, headers or None)


def _validation_detail(exc: ValidationException) -> tuple[str, list[Any]]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in errors:
        if isinstance(item, dict):
            where = item.get("key") or item.get("source") or "body"
            parts.append(f"{where}: {item.get('message', 'invalid')}")
    detail = "; ".join(parts) if parts else str(exc.detail)
    return f"invalid request: {detail}", errors


def _http_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    if exc.status_code >= 500:
        return _unexpected(request, exc)
    headers = dict(exc.headers or {})
    if isinstance(exc, ValidationException) or exc.status_code == 400:
        detail, errors = _validation_detail(exc) if isinstance(exc, ValidationException) else (str(exc.detail), [])
        if errors:
            return problem(400, detail, request.url.path, headers or None, errors=errors)
        return problem(400, detail, request.url.path, headers or None)
    detail = str(exc.detail)
    if exc.status_code == 413:
        detail = f"request body too large: {detail}" if "large" not in detail.lower() else detail
    return problem(exc.status_code, detail, request.url.path, headers or None)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    request_id = request.scope.get("state", {}).get("request_id", "")
    log.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, f"internal error (request {request_id}); the gateway logs have the details", request.url.path)


def exception_handlers() -> ExceptionHandlersMap:
    return {StudioError: _studio_error, HTTPException: _http_exception, Exception: _unexpected}
