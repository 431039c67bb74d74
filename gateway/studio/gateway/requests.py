"""The base of every JSON request body of the REST API: unknown fields are refused, not ignored.

A field the gateway does not know is most often a misspelling or a feature of a newer
gateway (say `webhook` sent to an older generate-content): dropping it silently would leave
the client waiting for something that never happens, so the request is a 400 naming the field.
The OpenAI-compatible /v1 bodies stay lenient, as OpenAI's own API is.
"""

from __future__ import annotations

import msgspec


class RequestBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Subclass for request bodies (and the objects nested in them)."""
