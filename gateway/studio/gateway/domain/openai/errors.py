"""Errors on the /v1 routes in OpenAI's envelope, so OpenAI clients raise their usual exceptions.

The gateway's error handlers decide status, message and headers for every route; for
paths under /v1/ they hand that to `render_openai_error` (registered when the app is
assembled), which only changes the shape: `{"error": {"message", "type", "param",
"code"}}` as application/json.
"""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.openapi import ResponseSpec

from studio.core.errors import InvalidInput, Unavailable
from studio.gateway.domain.openai.schemas import ErrorBody, ErrorDetail
from studio.gateway.errors import InvalidField

PREFIX = "/v1/"
#: OpenAI's codes for errors that carry no field-specific one.
_CODES = {401: "invalid_api_key", 429: "rate_limit_exceeded"}


class OpenAIError(InvalidInput):
    """A request error with OpenAI's `param` (the field at fault) and `code`."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.param = param
        self.code = code
        self.http_status = status


class StillRunning(Unavailable):
    """The job outlived the wait; it goes on, so a client retrying would only start it again."""


def error_type(status: int) -> str:
    if status == 429:
        return "requests"
    return "server_error" if status >= 500 else "invalid_request_error"


def render_openai_error(
    exc: Exception, status: int, detail: str, headers: dict[str, str] | None
) -> Response[ErrorBody]:
    param = exc.param if isinstance(exc, OpenAIError) else exc.field if isinstance(exc, InvalidField) else None
    code = exc.code if isinstance(exc, OpenAIError) else _CODES.get(status)
    if isinstance(exc, StillRunning):
        headers = {**(headers or {}), "x-should-retry": "false"}  # OpenAI's own header; its clients obey it
    body = ErrorBody(ErrorDetail(message=detail, type=error_type(status), param=param, code=code))
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _error(description: str) -> ResponseSpec:
    return ResponseSpec(ErrorBody, description=description, media_type="application/json", generate_examples=False)


ERROR_RESPONSES: dict[int, Any] = {
    400: _error("A field is missing or invalid (`param` names it), or the job failed on its input"),
    401: _error("No or invalid API key (`code`: invalid_api_key)"),
    404: _error("Unknown model or URL"),
    429: _error("Rate limit reached; see Retry-After"),
    503: _error("The job did not finish in time (it goes on: follow it at /api/v1/jobs/{id})"),
}
