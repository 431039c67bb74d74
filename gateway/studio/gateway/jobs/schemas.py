"""What clients see of jobs and assets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec


class AssetLinks(msgspec.Struct):
    self_: str = msgspec.field(name="self")
    download: str


class Asset(msgspec.Struct):
    id: str
    type: str
    role: str
    content_type: str
    size: int
    sha256: str
    job_id: str | None
    project_id: str | None
    metadata: dict[str, Any]
    created_at: datetime
    links: AssetLinks


class JobError(msgspec.Struct):
    #: invalid_argument, not_found, failed_precondition, resource_exhausted, unavailable, cancelled, internal
    code: str
    message: str


class JobLinks(msgspec.Struct):
    self_: str = msgspec.field(name="self")
    events: str
    cancel: str


class Job(msgspec.Struct):
    id: str
    #: "<service>.<operation>", e.g. "audio.synthesize"
    type: str
    #: queued, submitted, running, completed, failed, cancelled
    status: str
    progress: float
    stage: str
    project_id: str | None
    step_id: str | None
    parameters: dict[str, Any]
    result: dict[str, Any] | None
    error: JobError | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    assets: list[Asset]
    links: JobLinks


class JobPage(msgspec.Struct):
    items: list[Job]
    limit: int
    offset: int


class WebhookRequest(msgspec.Struct, kw_only=True):
    """A webhook for this one job (besides the key's registered webhooks), signed with the key's webhook secret."""

    url: Annotated[str, msgspec.Meta(min_length=8, max_length=2000)]
    #: Empty = every outcome.
    events: Annotated[list[Literal["job.completed", "job.failed", "job.cancelled"]], msgspec.Meta(max_length=3)] = (
        msgspec.field(default_factory=list)
    )


class JobOptions(msgspec.Struct, kw_only=True):
    """Fields every generation request takes."""

    #: Attach the job and its outputs to one of your projects.
    project_id: str | None = None
    webhook: WebhookRequest | None = None
