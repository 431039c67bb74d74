"""HTTP Range requests on downloads (RFC 9110 §14): one byte range, so a long film can be seeked
without being fetched whole. Several ranges, or another unit, answer the whole file (allowed)."""

from __future__ import annotations

import re

from litestar.exceptions import HTTPException

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, length) of the one range asked for; None for the whole file; 416 when it lies past the end."""
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = min(int(last), size)
        if length == 0:
            raise _unsatisfiable(size)
        return size - length, length
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise _unsatisfiable(size)
    return start, end - start + 1


def _unsatisfiable(size: int) -> HTTPException:
    return HTTPException(
        status_code=416,
        detail=f"Range: the asset has {size} bytes; ask for bytes=<start>-<end> with start below {size}",
        headers={"Content-Range": f"bytes */{size}"},
    )
