"""Webhook registration, delivery log and account (signing secret) shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from studio.gateway.requests import RequestBody, WebhookUrl
from studio.gateway.webhook_events import ALL_EVENTS, WebhookEvent


class WebhookCreate(RequestBody):
    url: WebhookUrl
    #: Empty = every event: job.completed, job.failed, job.cancelled, project.completed, project.failed.
    events: Annotated[list[WebhookEvent], msgspec.Meta(max_length=len(ALL_EVENTS))] = msgspec.field(
        default_factory=list
    )
    #: Only jobs of these types, e.g. ["video.create_avatar_video"]; empty = all. Project events are not
    #: filtered by it.
    job_types: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=3, max_length=100)]], msgspec.Meta(max_length=50)
    ] = msgspec.field(default_factory=list)


class Webhook(msgspec.Struct):
    id: str
    url: str
    events: list[str]
    job_types: list[str]
    created_at: datetime
    #: Shown once, at creation: verify X-Studio-Signature with it.
    secret: str | None = None


class WebhookDelivery(msgspec.Struct):
    """One event sent (or being sent) to a webhook, with its latest attempt."""

    id: str
    #: job.completed, job.failed, job.cancelled, project.completed, project.failed, webhook.test
    event: str
    #: pending (retries left), delivered, failed (gave up)
    status: Literal["pending", "delivered", "failed"]
    #: The HTTP status of the latest attempt (null: no answer yet, or no HTTP answer at all).
    response_status: int | None
    attempts: int
    #: Why the latest attempt failed.
    error: str | None
    created_at: datetime
    delivered_at: datetime | None
    #: The job or project the event is about (both null for webhook.test).
    job_id: str | None
    project_id: str | None


class Account(msgspec.Struct):
    """The account (tenant) of the calling key: its id is the id of the account's first key."""

    id: str
    #: The key making the request (for a web UI token, the key it was issued for).
    key_id: str
    #: The calling key's name, prefix and creation time.
    name: str
    key_prefix: str
    #: Signs webhooks given per request (`webhook` in a generation request); one per account.
    webhook_secret: str
    created_at: datetime
