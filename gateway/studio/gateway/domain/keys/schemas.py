"""API key shapes: what a key's listing shows (never the key, except once at creation)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from studio.gateway.requests import LABEL_PATTERN, RequestBody


class KeyCreate(RequestBody):
    #: Who or what uses the key, e.g. "n8n" or "laptop".
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=LABEL_PATTERN, examples=["n8n"])]


class ApiKey(msgspec.Struct):
    id: str
    name: str
    #: The key's first characters, to tell keys apart.
    prefix: str
    created_at: datetime
    #: When a gateway last accepted the key or one of its web UI tokens (to within a minute).
    last_used_at: datetime | None
    revoked_at: datetime | None
    #: The key this request was made with (for a web UI token, the key it was issued for).
    current: bool
    #: The key itself: only in the answer to its creation, never again.
    key: str | None = None
