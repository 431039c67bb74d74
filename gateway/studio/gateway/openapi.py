"""OpenAPI 3.1 pieces shared by the controllers: security schemes, problem responses, Prefer."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import Parameter

DOCS_PATH = "/docs"
#: Route opt value marking multipart upload routes (body limit = STUDIO_MAX_UPLOAD_BYTES).
UPLOAD = "upload"
SECURITY: list[dict[str, list[str]]] = [{"BearerAuth": []}, {"ApiKeyAuth": []}]

PreferHeader = Annotated[
    str | None,
    Parameter(
        header="Prefer",
        required=False,
        max_length=200,
        description="`wait=N` (N ≤ 60): answer with the finished job (200) if it completes within N seconds, "
        "else 202 as usual.",
    ),
]


class Problem(msgspec.Struct):
    """application/problem+json (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    #: 401 only: why the credential was refused (`missing`, `invalid` or `revoked`).
    reason: str | None = None


def problem_response(description: str) -> ResponseSpec:
    """A problem+json answer (401, 404, an endpoint's own 409 in use or 400 wrong format, ...)."""
    return ResponseSpec(
        Problem, description=description, media_type="application/problem+json", generate_examples=False
    )


ERROR_RESPONSES = {
    401: problem_response("No or invalid API key / token"),
    404: problem_response("Not found (or owned by another account)"),
    429: problem_response("Rate limit reached; see Retry-After"),
}
ACCEPTED_RESPONSES = {
    **ERROR_RESPONSES,
    409: problem_response("An input is not ready (e.g. a voice still processing)"),
    413: problem_response("Body larger than the endpoint's limit"),
}
UPLOAD_RESPONSES = {**ACCEPTED_RESPONSES, 415: problem_response("The upload is not a supported media type")}
DOWNLOAD_RESPONSES = {
    **ERROR_RESPONSES,
    409: problem_response("The stored file no longer matches the size and sha256 recorded for it; it is not served"),
}


def openapi_config(version: str) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Media Studio API",
        version=version,
        description="Generate speech, voices, images, avatar videos and whole productions. "
        "Authenticate with `Authorization: Bearer <API key>` (or `X-API-Key`); errors are "
        "application/problem+json.",
        path=DOCS_PATH,
        render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger"), JsonRenderPlugin()],
        components=Components(
            security_schemes={
                "BearerAuth": SecurityScheme(type="http", scheme="bearer", description="API key or web UI token"),
                "ApiKeyAuth": SecurityScheme(type="apiKey", name="X-API-Key", security_scheme_in="header"),
            }
        ),
        use_handler_docstrings=False,
    )
