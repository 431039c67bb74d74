"""Queue webhooks when a job or a production ends (registered at assembly for every job and production)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from studio.gateway.context import Gateway
from studio.gateway.effects import Outcome
from studio.gateway.jobs.views import job_out
from studio.gateway.production.views import projects_out
from studio.gateway.store.webhooks import Delivery, Target
from studio.gateway.webhook_events import EVENT_OF_JOB_STATUS, EVENT_OF_PROJECT_STATUS


class WebhookOutbox:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def _own_target(self, conn: asyncpg.Connection, row: asyncpg.Record, event: str) -> list[Target]:
        """The row's own webhook (signed with its key's secret), if it wants the event."""
        if row["webhook_url"] and (not row["webhook_events"] or event in row["webhook_events"]):
            return [(None, row["webhook_url"], await self.gateway.keys.webhook_secret(conn, row["owner_id"]))]
        return []

    async def _targets(
        self, conn: asyncpg.Connection, row: asyncpg.Record, event: str, job_type: str | None
    ) -> list[Target]:
        """The row's own webhook if it wants the event, then the owner's registered webhooks that want it
        (filtered by job type for a job's event)."""
        targets = await self._own_target(conn, row, event)
        for hook in await self.gateway.webhooks.matching(conn, row["owner_id"], event, job_type):
            targets.append((hook["id"], hook["url"], hook["secret"]))
        return targets

    @staticmethod
    def _payload(event: str, subject: str, view: Any) -> dict[str, Any]:
        return {"event": event, "created_at": datetime.now(UTC).isoformat(), subject: msgspec.to_builtins(view)}

    async def enqueue(self, conn: asyncpg.Connection, outcomes: Sequence[Outcome]) -> None:
        """Jobs ended: each one's per-request webhook and its owner's matching ones, once each (a repeat adds
        nothing). One query finds the registered webhooks of the whole batch."""
        ended = [(job, event) for job, _ in outcomes if (event := EVENT_OF_JOB_STATUS.get(job["status"]))]
        registered = await self.gateway.webhooks.matching_all(
            conn, [(job["owner_id"], event, job["type"]) for job, event in ended]
        )
        wanted: list[tuple[asyncpg.Record, str, list[Target]]] = []
        for (job, event), hooks in zip(ended, registered, strict=True):
            targets = await self._own_target(conn, job, event)
            targets += [(hook["id"], hook["url"], hook["secret"]) for hook in hooks]
            if targets:
                wanted.append((job, event, targets))
        if not wanted:
            return
        assets = await self.gateway.assets.of_jobs([job["id"] for job, _, _ in wanted], conn)
        await self.gateway.webhooks.enqueue_all(
            conn,
            [
                Delivery(
                    job["owner_id"],
                    event,
                    self._payload(event, "job", job_out(self.gateway, job, assets[job["id"]])),
                    targets,
                    job_id=job["id"],
                )
                for job, event, targets in wanted
            ],
        )
        self.gateway.deliveries_queued.update(job["id"] for job, _, _ in wanted)

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
