"""OpenAPI 3.1 pieces shared by the controllers (security schemes, problem responses, Prefer) and the
pass over the finished document that declares what every operation can answer (`complete_document`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.params import Parameter
from litestar.response import Redirect, ServerSentEvent, Stream

if TYPE_CHECKING:
    from litestar.routes import BaseRoute

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
#: A signed download link that does not hold (altered, expired, or its key revoked).
LINK_RESPONSES = {403: problem_response("The link was altered, has expired, or its API key was revoked")}
UPLOAD_RESPONSES = {**ACCEPTED_RESPONSES, 415: problem_response("The upload is not a supported media type")}


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


# -- what every operation can answer ------------------------------------------------------------------

#: The OpenAI-compatible routes answer errors in OpenAI's shape (see domain/openai/errors.py).
OPENAI_PREFIX = "/v1/"
_METHODS = ("get", "put", "post", "delete", "patch")
#: Why each error status can happen; which operations get which is decided in `_error_statuses`.
_ERRORS = {
    400: "The request is invalid: `detail` names the field and says what is accepted",
    401: "No or invalid API key / token",
    404: "Not found (or owned by another key)",
    409: "In the wrong state (e.g. a voice still processing), or its Idempotency-Key is still being handled",
    413: "Body larger than the endpoint's limit",
    415: "Body of a media type the endpoint does not take",
    422: "Idempotency-Key already used for a different request",
    429: "Rate limit reached; see Retry-After",
    503: "A dependency (database, queue, model server) is unavailable; see Retry-After",
}
#: Bytes of whatever type the stored media has.
_ANY_MEDIA = {"*/*": OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format="binary"))}  # type: ignore[arg-type]


def _error_statuses(method: str, operation: Operation, secured: bool) -> Iterator[int]:
    """Every operation can refuse input (a NUL anywhere is a 400); the rest follows from what it takes."""
    has_body = operation.request_body is not None
    in_path = any(getattr(p, "param_in", None) == "path" for p in operation.parameters or ())
    yield 400
    if has_body or in_path:
        yield 404
    if has_body:
        yield from (413, 415)
    if secured:
        yield from (401, 429, 503)
        if method != "get":
            yield 409
        if method == "post":
            yield 422  # Idempotency-Key reused with another body


def _error_content(path: str) -> dict[str, OpenAPIMediaType]:
    if path.startswith(OPENAI_PREFIX):
        return {"application/json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/ErrorBody"))}
    return {"application/problem+json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Problem"))}


def _handlers(routes: Iterable[BaseRoute]) -> dict[tuple[str, str], Any]:
    """(path, method) -> the route handler, to read what a handler returns."""
    found: dict[tuple[str, str], Any] = {}
    for route in routes:
        for handler in getattr(route, "route_handlers", ()):
            for method in handler.http_methods:
                found[(route.path_format, method.lower())] = handler
    return found


def _success_content(operation: Operation, handler: Any) -> None:
    """Streams and server-sent events say what they really send, not JSON."""
    returned = str(handler.parsed_fn_signature.return_type.annotation) if handler is not None else ""
    ok = next((r for code, r in (operation.responses or {}).items() if code.startswith("2")), None)
    if not isinstance(ok, OpenAPIResponse):
        return
    if ServerSentEvent.__name__ in returned:
        # each event's data is JSON of its own (a job's status, then its result)
        ok.content = {"text/event-stream": OpenAPIMediaType(schema=Schema())}
    elif Stream.__name__ in returned or (ok.content and "" in ok.content):  # a file of whatever type it is
        ok.content = dict(_ANY_MEDIA)
    # Litestar documents a file's Last-Modified as `date-time`; it is an HTTP date (RFC 9110), another format
    modified = (ok.headers or {}).get("last-modified")
    if isinstance(modified, OpenAPIHeader) and isinstance(modified.schema, Schema):
        modified.schema.format = None
        modified.description = "When the file last changed, as an HTTP date (RFC 9110)"
    if Redirect.__name__ in returned and operation.responses is not None:
        operation.responses.setdefault(
            "307", OpenAPIResponse(description="Redirect to a short-lived download link (the `Location` header)")
        )


def _closed_form(document: OpenAPI, operation: Operation) -> None:
    """Upload forms refuse fields they do not take (studio.gateway.http.inputs), as JSON bodies do."""
    body = operation.request_body
    form = body.content.get("multipart/form-data") if body is not None and hasattr(body, "content") else None
    ref = getattr(form.schema, "ref", "") if form is not None else ""
    schemas = document.components.schemas if document.components and document.components.schemas else {}
    schema = schemas.get(ref.rsplit("/", 1)[-1]) if ref else None
    if isinstance(schema, Schema):
        schema.additional_properties = False


def _subclasses(cls: type) -> Iterator[type]:
    subclasses: list[type] = cls.__subclasses__()
    for sub in subclasses:
        yield sub
        yield from _subclasses(sub)


def _components(document: OpenAPI) -> Iterator[tuple[type, Schema]]:
    """(msgspec Struct class, its component schema). A component is named after its class, prefixed with
    as much of its module as needed to be unique."""
    schemas = document.components.schemas if document.components and document.components.schemas else {}
    for cls in _subclasses(msgspec.Struct):
        if not cls.__module__.startswith("studio."):
            continue
        dotted = f"{cls.__module__}.{cls.__qualname__}".replace(".", "_")
        for name, schema in schemas.items():
            if name.endswith(cls.__name__) and dotted.endswith(name) and isinstance(schema, Schema):
                yield cls, schema


_BOUNDS = {
    "ge": "minimum",
    "le": "maximum",
    "gt": "exclusive_minimum",
    "lt": "exclusive_maximum",
    "min_length": "min_length",
    "max_length": "max_length",
    "pattern": "pattern",
}


def _declared_bounds(cls: type, schema: Schema) -> None:
    """Every bound the decoder enforces is in the document: Litestar drops some (a `ge=0` on an optional
    field), and a schema looser than the handler makes valid-looking requests fail."""
    info = msgspec.inspect.type_info(cls)
    for field in getattr(info, "fields", ()):
        prop = (schema.properties or {}).get(field.encode_name)
        if not isinstance(prop, Schema):
            continue
        kind = field.type.type if isinstance(field.type, msgspec.inspect.Metadata) else field.type
        kinds = kind.types if isinstance(kind, msgspec.inspect.UnionType) else (kind,)
        kinds = tuple(k.type if isinstance(k, msgspec.inspect.Metadata) else k for k in kinds)
        listed = [k for k in kinds if isinstance(k, msgspec.inspect.ListType)]
        if listed and isinstance(prop.items, Schema):  # bounds on a list's items
            prop, kinds = prop.items, (listed[0].item_type,)
        constrained = [
            k
            for k in kinds
            if isinstance(k, msgspec.inspect.IntType | msgspec.inspect.FloatType | msgspec.inspect.StrType)
        ]
        if len(constrained) != 1:
            continue
        for bound, attribute in _BOUNDS.items():
            value = getattr(constrained[0], bound, None)
            if value is not None and getattr(prop, attribute, None) is None:
                setattr(prop, attribute, value)


#: Matches a string with a NUL in it: every text the API takes is refused with one (PostgreSQL stores none).
_NO_NUL = Schema(type=OpenAPIType.STRING, pattern=r"\u0000")
_NUL_FREE = r"^[^\u0000]*$"


#: What Python's `\s` matches in text (str.isspace); ECMA-262's `\s`, which JSON Schema patterns use, differs
#: (it has U+FEFF, lacks U+001C-U+001F and U+0085), so the document spells the set out.
_PY_SPACE = r"\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def portable_pattern(pattern: str) -> str:
    r"""`pattern` (as msgspec checks it, Python's re) with `\s`/`\S` spelled out, so it means the same in the
    document's ECMA-262 dialect."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escape = pattern[i : i + 2]
            if escape == "\\s":
                out.append(_PY_SPACE if in_class else f"[{_PY_SPACE}]")
            elif escape == "\\S" and not in_class:
                out.append(f"[^{_PY_SPACE}]")
            else:
                out.append(escape)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def _without_nul(schema: Any) -> None:
    """Say on every text schema that NUL is not accepted (`not: {type: string, pattern: "\\u0000"}`), so
    generated clients and fuzzers know; binary parts (uploads) are bytes and may hold anything."""
    if not isinstance(schema, Schema):
        return
    if schema.pattern is not None:
        schema.pattern = portable_pattern(schema.pattern)
    types = schema.type if isinstance(schema.type, list) else [schema.type]
    if OpenAPIType.STRING in types and schema.format != "binary" and not schema.enum and schema.const is None:
        if schema.pattern is None:
            schema.pattern = _NUL_FREE
        elif re.search(schema.pattern, "x\x00x"):  # the field's own pattern lets NUL through: say it apart
            schema.schema_not = _NO_NUL
    for child in (*(schema.properties or {}).values(), schema.items, *(schema.one_of or ()), *(schema.any_of or ())):
        _without_nul(child)
    if isinstance(schema.additional_properties, Schema):
        _without_nul(schema.additional_properties)
    if OpenAPIType.OBJECT in types and schema.additional_properties is not False and schema.property_names is None:
        schema.property_names = Schema(type=OpenAPIType.STRING, pattern=_NUL_FREE)  # a free-form object's keys too


def _field_rules(cls: Any, schema: Schema) -> None:
    """A body's rules between fields (RequestBody.exclusive, extra_rules) as JSON Schema."""

    def given(*names: str) -> Schema:
        absent = Schema(enum=list(cls.absent))
        return Schema(required=list(names), properties={name: Schema(schema_not=absent) for name in names})

    rules = [Schema(schema_not=given(a, b)) for a, b in cls.exclusive] + list(cls.extra_rules)
    if rules:
        schema.all_of = [*(schema.all_of or ()), *rules]


def _closed_bodies(document: OpenAPI) -> None:
    """Request bodies refuse unknown fields (`RequestBody`), so their schemas say `additionalProperties: false`;
    and every struct's bounds are declared."""
    from studio.gateway.requests import RequestBody

    for cls, schema in _components(document):
        _declared_bounds(cls, schema)  # first: a declared pattern wins over the generic "no NUL" one
        if issubclass(cls, RequestBody):
            schema.additional_properties = False
            _field_rules(cls, schema)
    for schema in (document.components.schemas or {}).values() if document.components else ():
        _without_nul(schema)


def _optional_body(operation: Operation) -> None:
    """A body the handler may go without (`data: X | None = None`, e.g. cancel everything) is documented as
    optional (Litestar says required, though it takes none)."""
    body = operation.request_body
    if body is None or isinstance(body, Reference) or not body.content:
        return
    for media in body.content.values():
        schema = media.schema
        variants = schema.one_of if isinstance(schema, Schema) and schema.one_of else ()
        if len(variants) == 2 and any(isinstance(v, Schema) and v.type == OpenAPIType.NULL for v in variants):
            body.required = False  # absent or null: both mean "no body"


def complete_document(document: OpenAPI, routes: Iterable[BaseRoute]) -> None:
    """Declare, on every operation, the errors it can answer and in which shape (problem+json, or OpenAI's
    error on /v1), and what streams really send. Done once over the finished document so every route,
    including routes added later, is described the same way (the fuzzing tier checks the result)."""
    handlers = _handlers(routes)
    for path, item in (document.paths or {}).items():
        for method in _METHODS:
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            secured = bool(operation.security if operation.security is not None else document.security)
            responses = operation.responses if operation.responses is not None else {}
            operation.responses = responses
            for code in _error_statuses(method, operation, secured):
                declared = responses.get(str(code))
                # Litestar documents its validation errors as its own JSON; they leave as problems
                if declared is None or (
                    isinstance(declared, OpenAPIResponse) and declared.description.startswith("Bad request syntax")
                ):
                    responses[str(code)] = OpenAPIResponse(description=_ERRORS[code], content=_error_content(path))
            _success_content(operation, handlers.get((path, method)))
            _closed_form(document, operation)
            _optional_body(operation)
            for parameter in operation.parameters or ():
                _without_nul(getattr(parameter, "schema", None))
    _closed_bodies(document)
