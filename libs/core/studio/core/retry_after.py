"""How long a server asked a client to wait before trying again: one reading of `Retry-After`
(seconds or an HTTP date) and `retry-after-ms`, for every client the studio has (the SDK toward
the gateway, the services toward hosted providers). Imports nothing heavy: the SDK loads it."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait (never negative), or None when the answer names no usable pause."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
