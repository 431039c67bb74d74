"""Webhook registration and account (signing secret) shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

WebhookEvent = Literal["job.completed", "job.failed", "job.cancelled"]
#: The webhook event of each terminal job status.
EVENT_OF_STATUS = {"completed": "job.completed", "failed": "job.failed", "cancelled": "job.cancelled"}


class WebhookCreate(msgspec.Struct, kw_only=True):
    url: Annotated[str, msgspec.Meta(min_length=8, max_length=2000, examples=["https://n8n.example.com/webhook/x"])]
    #: Empty = every event.
    events: Annotated[list[WebhookEvent], msgspec.Meta(max_length=3)] = msgspec.field(default_factory=list)
    #: Only jobs of these types, e.g. ["video.create_avatar_video"]; empty = all.
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


class Account(msgspec.Struct):
    id: str
    name: str
    key_prefix: str
    #: Signs webhooks given per request (`webhook` in a generation request).
    webhook_secret: str
    created_at: datetime
