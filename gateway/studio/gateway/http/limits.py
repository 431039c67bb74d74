"""Request bodies: size limits (413) and accepted media types (415), checked before a handler reads them.

Upload routes (opt `body_limit="upload"`) take multipart/form-data up to
STUDIO_MAX_UPLOAD_BYTES (plus form overhead); every other route with a body takes
application/json up to STUDIO_MAX_JSON_BYTES. Chunked bodies are counted as they arrive.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from studio.core.errors import InvalidInput
from studio.gateway.errors import PayloadTooLarge, UnsupportedMediaType
from studio.gateway.http.scope import gateway_of, header
from studio.gateway.openapi import UPLOAD

#: Room for multipart boundaries and the other form fields around an upload.
FORM_OVERHEAD = 1024 * 1024


def _takes_body(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    signature = getattr(handler, "parsed_fn_signature", None)
    return signature is not None and "data" in signature.parameters


class BodyPolicyMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method") in ("GET", "HEAD", "OPTIONS") or not _takes_body(scope):
            await next_app(scope, receive, send)
            return
        settings = gateway_of(scope).settings
        upload = scope["route_handler"].opt.get("body_limit") == UPLOAD
        limit = settings.max_upload_bytes + FORM_OVERHEAD if upload else settings.max_json_bytes
        self._check_type(scope, upload)
        length = header(scope, "content-length")
        if length is not None:
            if not length.strip().isdigit():
                raise InvalidInput(f"invalid Content-Length {length!r}")
            if int(length) > limit:
                raise PayloadTooLarge(self._too_large(upload, limit))
        received = 0

        async def counted() -> ReceiveMessage:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(self._too_large(upload, limit))
            return message

        await next_app(scope, counted, send)

    @staticmethod
    def _too_large(upload: bool, limit: int) -> str:
        if upload:
            return f"upload too large: at most {limit - FORM_OVERHEAD} bytes are accepted (STUDIO_MAX_UPLOAD_BYTES)"
        return f"request body too large: at most {limit} bytes of JSON are accepted"

    @staticmethod
    def _check_type(scope: Scope, upload: bool) -> None:
        content_type = (header(scope, "content-type") or "").split(";", 1)[0].strip().lower()
        if not content_type:
            return  # an empty body: the handler reports the missing fields
        if upload and content_type != "multipart/form-data":
            raise UnsupportedMediaType(f"this endpoint takes multipart/form-data uploads, not {content_type}")
        if not upload and not (content_type == "application/json" or content_type.endswith("+json")):
            raise UnsupportedMediaType(f"this endpoint takes application/json, not {content_type}")
