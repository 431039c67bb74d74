"""Queue a job's webhooks when it ends (registered for every job type at assembly)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import msgspec
from google.protobuf.message import Message

from studio.gateway.context import Gateway
from studio.gateway.domain.webhooks.schemas import EVENT_OF_STATUS
from studio.gateway.jobs.views import job_out


class WebhookOutbox:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def enqueue(self, conn: asyncpg.Connection, job: asyncpg.Record, result: Message | None) -> None:
        """The job's per-request webhook and the owner's matching ones, once each (a repeat adds nothing)."""
        event = EVENT_OF_STATUS.get(job["status"])
        if event is None:
            return
        gateway = self.gateway
        targets: list[tuple[uuid.UUID | None, str, str]] = []
        if job["webhook_url"] and (not job["webhook_events"] or event in job["webhook_events"]):
            targets.append((None, job["webhook_url"], await gateway.keys.webhook_secret(conn, job["owner_id"])))
        for hook in await gateway.webhooks.matching(conn, job["owner_id"], event, job["type"]):
            targets.append((hook["id"], hook["url"], hook["secret"]))
        if not targets:
            return
        assets = await gateway.assets.of_jobs([job["id"]], conn)
        payload = {
            "event": event,
            "created_at": datetime.now(UTC).isoformat(),
            "job": msgspec.to_builtins(job_out(gateway, job, assets[job["id"]])),
        }
        await gateway.webhooks.enqueue(conn, job, event, payload, targets)
