"""Text a request carries is checked once, before any handler, so no route has to remember it.

- NUL characters: PostgreSQL refuses them in text and JSON, so a NUL in a path or query
  parameter, a header, a JSON string (or key), or a form field would otherwise fail deep in a
  handler as a 500. Here it is a 400 naming the field, on every route, present and future.
- multipart/form-data on upload routes is parsed here (Litestar's handlers reuse the parsed
  form), so a malformed form is a 400 saying what is wrong: a field that is not UTF-8 text, a
  file field sent without a filename, a filename with control characters, a field the endpoint
  does not take (as JSON bodies refuse unknown fields). Form limits
  (parts, header lines) are a 413.

Runs innermost, after authentication, body limits and Idempotency-Key handling, so the body it
reads is the one those already counted (or replayed).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import ScopeType
from litestar.exceptions import ClientException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from studio.gateway.errors import InvalidField, PayloadTooLarge
from studio.gateway.openapi import UPLOAD

NUL = "\x00"
#: Parts an upload form may have: the file and a few text fields (Litestar's default is 1000).
MAX_FORM_PARTS = 16
_FILENAME_FORBIDDEN = frozenset(chr(code) for code in range(32)) | {"\x7f"}


def _no_nul(field: str, text: str) -> None:
    if NUL in text:
        raise InvalidField(field, f"{field}: must not contain NUL characters")


def _walk(value: Any, where: str) -> None:
    """Every string and key in decoded JSON, named as a client would write its path."""
    if isinstance(value, str):
        _no_nul(where or "body", value)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            _no_nul(f"{where or 'body'} (a key)", str(key))
            _walk(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, f"{where}[{index}]")


def check_json(body: bytes) -> None:
    """400 for a NUL in any string of a JSON body (`\\u0000`; a raw NUL byte is not valid JSON anyway)."""
    if b"\\u0000" not in body:
        return
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return  # the handler reports malformed JSON
    _walk(decoded, "")


def _check_url_and_headers(scope: Scope) -> None:
    for name, value in (scope.get("path_params") or {}).items():
        if isinstance(value, str):
            _no_nul(name, value)
    if NUL in str(scope.get("path", "")):
        raise InvalidField("path", "path: must not contain NUL characters")
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    if "%00" in query or NUL in query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            _no_nul("a query parameter's name", name)
            _no_nul(name, value)
    for raw_name, raw_value in scope.get("headers", ()):
        if b"\x00" in raw_value or b"\x00" in raw_name:  # HTTP servers refuse these first; other transports may not
            header = bytes(raw_name).decode("latin-1")
            raise InvalidField(header, f"{header}: a header must not contain NUL characters")


def _form_fields(scope: Scope) -> tuple[list[str], set[str]]:
    """The form fields the handler takes (its form dataclass's), and which of them are files (UploadFile)."""
    signature = getattr(scope.get("route_handler"), "parsed_fn_signature", None)
    data = signature.parameters.get("data") if signature is not None else None
    form = getattr(data, "annotation", None)
    if form is None or not dataclasses.is_dataclass(form):
        return [], set()
    hints = typing.get_type_hints(form)
    files = {name for name, hint in hints.items() if hint is UploadFile or UploadFile in typing.get_args(hint)}
    return [field.name for field in dataclasses.fields(form)], files


async def _parse_form(request: Request[Any, Any, Any]) -> list[tuple[str, Any]]:
    try:
        form = await request.form()
    except (UnicodeDecodeError, LookupError):
        raise InvalidField(
            "form",
            "multipart/form-data: a form field is not UTF-8 text; send text fields as UTF-8 and files as "
            'file parts (Content-Disposition with a filename="...")',
        ) from None
    except ClientException as error:
        cause = error.__context__ or error.__cause__
        if "Too Large" in str(error.detail):
            raise PayloadTooLarge(
                f"multipart/form-data over its limits ({cause or error.detail}): at most {MAX_FORM_PARTS} parts, "
                "8 headers per part and 4 KiB per header line are accepted"
            ) from None
        reason = f" ({cause})" if cause else ""
        raise InvalidField("form", f"malformed multipart/form-data{reason}: {error.detail}") from None
    return list(form.multi_items())


def check_form(fields: list[tuple[str, Any]], known: list[str], file_fields: set[str]) -> None:
    for name, value in fields:
        _no_nul("a form field's name", name)
        if known and name not in known:  # as JSON bodies: a misspelt field is an error, not ignored
            raise InvalidField(name, f"{name}: unknown form field; this endpoint takes {', '.join(known)}")
        if isinstance(value, UploadFile):
            filename = value.filename or ""
            if any(char in _FILENAME_FORBIDDEN for char in filename):
                raise InvalidField(name, f"{name}: the filename must not contain control characters (CR, LF, NUL)")
        elif isinstance(value, str):
            if name in file_fields:
                raise InvalidField(
                    name, f'{name}: must be a file part (Content-Disposition: form-data; name="{name}"; filename="...")'
                )
            _no_nul(name, value)


class InputTextMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        _check_url_and_headers(scope)
        handler = scope.get("route_handler")
        signature = getattr(handler, "parsed_fn_signature", None)
        if scope.get("method") not in ("GET", "HEAD", "OPTIONS") and signature and "data" in signature.parameters:
            request: Request[Any, Any, Any] = Request(scope, receive)
            if handler.opt.get("body_limit") == UPLOAD:  # type: ignore[union-attr]
                if request.content_type[0] == "multipart/form-data":
                    check_form(await _parse_form(request), *_form_fields(scope))
            else:
                check_json(await request.body())  # cached in the scope: the handler reads it from there
        await next_app(scope, receive, send)
