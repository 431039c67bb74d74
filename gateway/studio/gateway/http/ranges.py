"""HTTP byte ranges (RFC 9110 §14): one range per request, which is what media players ask for."""

from __future__ import annotations

import re

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    """The range lies outside the resource: answer 416 with `Content-Range: bytes */<size>`."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive, of a single `Range: bytes=` header; None to send the whole body.

    Several ranges, other units or a malformed header are ignored (the whole body, as the RFC allows).
    """
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        if int(last) == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise Unsatisfiable
    return start, end
