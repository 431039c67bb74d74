"""`webhooks` (registrations) and `webhook_deliveries` (the outbox the sender works through)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from studio.core.errors import NotFound
from studio.gateway.store.base import Db


class WebhookStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def create(
        self, owner_id: uuid.UUID, url: str, secret: str, events: list[str], job_types: list[str]
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            "INSERT INTO webhooks (owner_id, url, secret, events, job_types) VALUES ($1, $2, $3, $4, $5) RETURNING *",
            owner_id,
            url,
            secret,
            events,
            job_types,
        )
        assert row is not None
        return row

    async def of_owner(self, owner_id: uuid.UUID) -> list[asyncpg.Record]:
        return list(await self.db.fetch("SELECT * FROM webhooks WHERE owner_id = $1 ORDER BY created_at", owner_id))

    async def delete(self, owner_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
        deleted = await self.db.fetchval(
            "DELETE FROM webhooks WHERE id = $1 AND owner_id = $2 RETURNING id", webhook_id, owner_id
        )
        if deleted is None:
            raise NotFound(f"webhook {webhook_id} not found")

    async def matching(self, conn: Db, owner_id: uuid.UUID, event: str, job_type: str) -> list[asyncpg.Record]:
        """The owner's registered webhooks that want this event for this job type."""
        return list(
            await conn.fetch(
                "SELECT id, url, secret FROM webhooks WHERE owner_id = $1 AND $2 = ANY(events) "
                "AND (cardinality(job_types) = 0 OR $3 = ANY(job_types))",
                owner_id,
                event,
                job_type,
            )
        )

    async def enqueue(
        self,
        conn: Db,
        job: Any,
        event: str,
        payload: dict[str, Any],
        targets: Sequence[tuple[uuid.UUID | None, str, str]],
    ) -> None:
        """Queue one delivery per (webhook id or None, url, secret); once, however often the job's end is seen."""
        await conn.executemany(
            "INSERT INTO webhook_deliveries (owner_id, job_id, webhook_id, url, secret, event, payload) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id, url, event) DO NOTHING",
            [(job["owner_id"], job["id"], hook, url, secret, event, payload) for hook, url, secret in targets],
        )

    async def claim_due(self, lease_seconds: float, batch: int) -> list[asyncpg.Record]:
        """Pending deliveries whose time has come, leased so no other sender takes them meanwhile."""
        return list(
            await self.db.fetch(
                "UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $1) "
                "WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now() "
                "  ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING *",
                lease_seconds,
                batch,
            )
        )

    async def delivered(self, delivery_id: uuid.UUID, status: int) -> None:
        await self.db.execute(
            "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = $2, "
            "last_error = NULL, delivered_at = now() WHERE id = $1",
            delivery_id,
            status,
        )

    async def attempt_failed(
        self, delivery_id: uuid.UUID, *, final: bool, attempts: int, status: int | None, error: str, retry_at: datetime
    ) -> None:
        await self.db.execute(
            "UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5, "
            "next_attempt_at = $6 WHERE id = $1",
            delivery_id,
            "failed" if final else "pending",
            attempts,
            status,
            error,
            retry_at,
        )
