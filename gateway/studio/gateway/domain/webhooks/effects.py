"""Queue webhooks when a job or a production ends (registered at assembly for every job and production)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from google.protobuf.message import Message

from studio.gateway.context import Gateway
from studio.gateway.jobs.views import job_out
from studio.gateway.production.views import projects_out
from studio.gateway.store.webhooks import Target
from studio.gateway.webhook_events import EVENT_OF_JOB_STATUS, EVENT_OF_PROJECT_STATUS


class WebhookOutbox:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def _targets(
        self, conn: asyncpg.Connection, row: asyncpg.Record, event: str, job_type: str | None
    ) -> list[Target]:
        """The row's own webhook (signed with its key's secret) if it wants the event, then the owner's
        registered webhooks that want it (filtered by job type for a job's event)."""
        targets: list[Target] = []
        if row["webhook_url"] and (not row["webhook_events"] or event in row["webhook_events"]):
            targets.append((None, row["webhook_url"], await self.gateway.keys.webhook_secret(conn, row["owner_id"])))
        for hook in await self.gateway.webhooks.matching(conn, row["owner_id"], event, job_type):
            targets.append((hook["id"], hook["url"], hook["secret"]))
        return targets

    @staticmethod
    def _payload(event: str, subject: str, view: Any) -> dict[str, Any]:
        return {"event": event, "created_at": datetime.now(UTC).isoformat(), subject: msgspec.to_builtins(view)}

    async def enqueue(self, conn: asyncpg.Connection, job: asyncpg.Record, result: Message | None) -> None:
        """A job ended: its per-request webhook and the owner's matching ones, once each (a repeat adds nothing)."""
        event = EVENT_OF_JOB_STATUS.get(job["status"])
        if event is None:
            return
        targets = await self._targets(conn, job, event, job["type"])
        if not targets:
            return
        job_id: uuid.UUID = job["id"]
        assets = await self.gateway.assets.of_jobs([job_id], conn)
        payload = self._payload(event, "job", job_out(self.gateway, job, assets[job_id]))
        await self.gateway.webhooks.enqueue(conn, job["owner_id"], event, payload, targets, job_id=job_id)

    async def enqueue_project(self, conn: asyncpg.Connection, project: asyncpg.Record) -> None:
        """A production ended: project.completed / project.failed with the project as GET shows it."""
        event = EVENT_OF_PROJECT_STATUS.get(project["status"])
        if event is None:
            return
        targets = await self._targets(conn, project, event, None)
        if not targets:
            return
        (view,) = await projects_out(self.gateway, [project], conn)
        payload = self._payload(event, "project", view)
        await self.gateway.webhooks.enqueue(
            conn, project["owner_id"], event, payload, targets, project_id=project["id"]
        )
