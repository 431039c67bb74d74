"""The base of every JSON request body of the REST API: unknown fields are refused, not ignored.

A field the gateway does not know is most often a misspelling or a feature of a newer
gateway (say `webhook` sent to an older generate-content): dropping it silently would leave
the client waiting for something that never happens, so the request is a 400 naming the field.
The OpenAI-compatible /v1 bodies stay lenient, as OpenAI's own API is.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

import msgspec

#: http(s), a host, then URI characters only (RFC 3986; an international host in its xn-- form).
WEBHOOK_URL_PATTERN = r"^https?://[A-Za-z0-9._~%!$&'()*+,;=:\[\]-]+(?:[/?#][A-Za-z0-9._~%!$&'()*+,;=:@/?#\[\]-]*)?$"
#: A webhook target: an absolute http(s) URL whose host resolves (to a public address unless private
#: targets are allowed); the resolving is checked when it is registered, with its own message.
WebhookUrl = Annotated[
    str,
    msgspec.Meta(
        min_length=8,
        max_length=2000,
        examples=["https://n8n.example.com/webhook/x"],
        pattern=WEBHOOK_URL_PATTERN,  # the pattern alone, not `format: uri`: the document says what is checked
    ),
]
#: Control characters (C0, DEL, C1), which a form, a log line or a terminal cannot show faithfully.
_CONTROL = r"\x00-\x1f\x7f-\x9f"
#: A short name a person gives (a key, a preset, a tag): at least one visible character, no control
#: characters. msgspec checks it, and the document states it, so both say the same.
LABEL_PATTERN = rf"^[^{_CONTROL}]*[^{_CONTROL}\s][^{_CONTROL}]*$"


#: What a pattern asks for, in words: a refusal says this rather than the regular expression.
PATTERN_WORDS = {
    LABEL_PATTERN: "must hold a visible character and no control characters such as NUL or line breaks",
    WEBHOOK_URL_PATTERN: "a webhook url must be an absolute http:// or https:// URL of URI characters "
    "(an international host in its xn-- form)",
}


def is_label(value: str) -> bool:
    """The text is a name LABEL_PATTERN accepts (for callers that do not decode through msgspec: the CLI)."""
    return re.search(LABEL_PATTERN, value) is not None


#: An id the gateway made (asset, project, voice): a UUID, and documented as one (`format: uuid`), so
#: clients and fuzzers know that anything else is refused.
Uuid = Annotated[str, msgspec.Meta(min_length=1, max_length=64, extra_json_schema={"extra": {"format": "uuid"}})]


class RequestBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Subclass for request bodies (and the objects nested in them).

    Rules between fields that the handler checks are declared here too, so the OpenAPI document states
    them (studio.gateway.openapi): pairs that must not both be given, and other rules as JSON Schema.
    (None are `anyOf`/`oneOf`: the web studio's generated types would turn them into unions it cannot build.)
    """

    #: (a, b): not both given.
    exclusive: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: Values that count as "not given".
    absent: ClassVar[tuple[Any, ...]] = (None,)
    #: Other rules the handler checks, as JSON Schema (litestar.openapi.spec.Schema) the body must meet.
    extra_rules: ClassVar[tuple[Any, ...]] = ()
