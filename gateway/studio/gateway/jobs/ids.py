"""Ids as clients write them in paths, and as jobs are known on JetStream."""

from __future__ import annotations

import uuid

from studio.core.errors import NotFound


def parse_uuid(value: str, what: str = "job") -> uuid.UUID:
    """A path id; anything that is not a UUID is simply not found."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError):
        raise NotFound(f"{what} {value!r} not found") from None


def submission_id(job_id: uuid.UUID, dispatch_count: int) -> str:
    """The JetStream message (and event) id of a job's n-th dispatch: stable, so re-publishing is deduplicated."""
    return job_id.hex if dispatch_count <= 1 else f"{job_id.hex}-r{dispatch_count}"


def parse_submission_id(value: str) -> tuple[uuid.UUID, int] | None:
    hex_part, _, rest = value.partition("-r")
    try:
        job_id = uuid.UUID(hex=hex_part)
    except ValueError:
        return None
    if not rest:
        return job_id, 1
    return (job_id, int(rest)) if rest.isdigit() else None
