"""Bodies and answers of the queue-control routes (cancel many)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec

from studio.gateway.requests import RequestBody

UnfinishedStatus = Literal["queued", "submitted", "running"]
UNFINISHED: tuple[UnfinishedStatus, ...] = ("queued", "submitted", "running")


class CancelJobsRequest(RequestBody):
    """Which unfinished jobs to cancel; every field narrows it, and `{}` cancels every unfinished job."""

    status: (
        Annotated[
            list[UnfinishedStatus],
            msgspec.Meta(description="Only jobs in these states (queued, submitted, running); default: all three"),
        ]
        | None
    ) = None
    type: (
        Annotated[str, msgspec.Meta(max_length=100, description="Only jobs of this type, e.g. image.generate")] | None
    ) = None
    project_id: Annotated[uuid.UUID | None, msgspec.Meta(description="Only this project's jobs")] = None


class CancelledJobs(msgspec.Struct):
    #: The ids of the jobs this request cancelled (jobs that ended meanwhile are left alone).
    cancelled: list[str]
