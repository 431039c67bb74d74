"""What clients see of jobs and assets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from studio.gateway.requests import RequestBody, Uuid, WebhookUrl
from studio.gateway.webhook_events import JobEvent


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


class CostItem(msgspec.Struct):
    """One priced quantity: 1 megapixel of fal-ai/flux/schnell at $0.003."""

    #: fal, replicate, elevenlabs, kling, runway, luma, minimax, local
    provider: str
    model: str
    #: megapixel, image, second, 1k-characters, unit, predict-second, gpu-second, clip
    unit: str
    quantity: float
    unit_usd: float
    usd: float
    basis: str
    #: When the unit price was last checked ("2026-12"); empty for measured GPU time.
    price_date: str


class Cost(msgspec.Struct):
    """What a job cost, in US dollars, and how that was worked out."""

    usd: float
    #: provider (usage the provider reported), estimate (unit prices x quantities), gpu-time, free
    basis: str
    items: list[CostItem]


def cost_out(data: dict[str, Any] | None) -> Cost | None:
    """The REST view of a stored protojson Cost (proto3 leaves zero fields out)."""
    if data is None:
        return None
    items = [
        CostItem(
            provider=item.get("provider", ""),
            model=item.get("model", ""),
            unit=item.get("unit", ""),
            quantity=float(item.get("quantity", 0.0)),
            unit_usd=float(item.get("unit_usd", 0.0)),
            usd=float(item.get("usd", 0.0)),
            basis=item.get("basis", ""),
            price_date=item.get("price_date", ""),
        )
        for item in data.get("items", [])
    ]
    return Cost(usd=float(data.get("usd", 0.0)), basis=data.get("basis", "") or "free", items=items)


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
    #: The failed or cancelled job this one repeats (POST /api/v1/jobs/{id}/retry).
    retry_of: str | None = None
    #: What the job cost once completed (the provider's reported usage where there is one); null until then.
    cost: Cost | None = None


class JobPage(msgspec.Struct):
    items: list[Job]
    limit: int
    offset: int
    #: Jobs matching the filters, on every page.
    total: int


CALLBACK = (
    "The per-job callback URL (what other APIs call `callback_url`): the job's outcome (job.completed, "
    "job.failed, job.cancelled; `events` narrows it) is POSTed to `url` like a registered webhook's, signed with "
    "the key's `webhook_secret` (GET /api/v1/account) in X-Studio-Signature, and retried with backoff. Loopback "
    "and private targets are refused unless the operator sets STUDIO_ALLOW_PRIVATE_WEBHOOKS=true. An n8n "
    "workflow passes {{ $execution.resumeUrl }} here and waits in a Wait node."
)


class WebhookRequest(RequestBody):
    """A callback URL for this one job, besides the key's registered webhooks (see `CALLBACK`)."""

    url: WebhookUrl
    #: Empty = every outcome.
    events: Annotated[list[JobEvent], msgspec.Meta(max_length=3)] = msgspec.field(default_factory=list)


class JobOptions(RequestBody):
    """Fields every generation request takes."""

    #: Attach the job and its outputs to one of your projects.
    project_id: Uuid | None = None
    webhook: Annotated[WebhookRequest | None, msgspec.Meta(description=CALLBACK)] = None
