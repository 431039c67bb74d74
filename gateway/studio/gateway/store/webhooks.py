"""`webhooks` (registrations) and `webhook_deliveries` (the outbox the sender works through, and the
delivery log of each registered webhook, kept for a week)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from studio.core.errors import NotFound
from studio.gateway.store.base import Db

#: Finished deliveries are kept (and listed) this long.
DELIVERY_LOG_DAYS = 7
#: (registered webhook id, or None for a per-request one; url; signing secret)
Target = tuple[uuid.UUID | None, str, str]


@dataclass(frozen=True)
class Delivery:
    """One event to deliver to its targets (a job's end, or a project's)."""

    owner_id: uuid.UUID
    event: str
    payload: dict[str, Any]
    targets: Sequence[Target]
    job_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None


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

    async def get(self, owner_id: uuid.UUID, webhook_id: uuid.UUID) -> asyncpg.Record:
        row = await self.db.fetchrow("SELECT * FROM webhooks WHERE id = $1 AND owner_id = $2", webhook_id, owner_id)
        if row is None:
            raise NotFound(f"webhook {webhook_id} not found")
        return row

    async def of_owner(self, owner_id: uuid.UUID) -> list[asyncpg.Record]:
        return list(await self.db.fetch("SELECT * FROM webhooks WHERE owner_id = $1 ORDER BY created_at", owner_id))

    async def delete(self, owner_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
        deleted = await self.db.fetchval(
            "DELETE FROM webhooks WHERE id = $1 AND owner_id = $2 RETURNING id", webhook_id, owner_id
        )
        if deleted is None:
            raise NotFound(f"webhook {webhook_id} not found")

    async def matching(
        self, conn: Db, owner_id: uuid.UUID, event: str, job_type: str | None = None
    ) -> list[asyncpg.Record]:
        """The owner's registered webhooks that want this event (for this job type, when it is a job's)."""
        return (await self.matching_all(conn, [(owner_id, event, job_type)]))[0]

    async def matching_all(
        self, conn: Db, wanted: Sequence[tuple[uuid.UUID, str, str | None]]
    ) -> list[list[asyncpg.Record]]:
        """`matching` for many (owner, event, job type) at once, in one query: one list per entry."""
        found: list[list[asyncpg.Record]] = [[] for _ in wanted]
        if not wanted:
            return found
        rows = await conn.fetch(
            "SELECT u.i, w.id, w.url, w.secret FROM unnest($1::uuid[], $2::text[], $3::text[]) "
            " WITH ORDINALITY AS u(owner_id, event, job_type, i) "
            "JOIN webhooks w ON w.owner_id = u.owner_id AND u.event = ANY(w.events) "
            " AND (u.job_type IS NULL OR cardinality(w.job_types) = 0 OR u.job_type = ANY(w.job_types)) "
            "ORDER BY u.i",
            [owner for owner, _, _ in wanted],
            [event for _, event, _ in wanted],
            [job_type for _, _, job_type in wanted],
        )
        for row in rows:
            found[row["i"] - 1].append(row)
        return found

    async def enqueue(
        self,
        conn: Db,
        owner_id: uuid.UUID,
        event: str,
        payload: dict[str, Any],
        targets: Sequence[Target],
        *,
        job_id: uuid.UUID | None = None,
        project_id: uuid.UUID | None = None,
    ) -> None:
        """Queue one delivery per target; a job's once, however often its end is seen (a project's end is
        recorded once per production by its caller)."""
        await self.enqueue_all(conn, [Delivery(owner_id, event, payload, targets, job_id, project_id)])

    async def enqueue_all(self, conn: Db, deliveries: Sequence[Delivery]) -> None:
        """`enqueue` for many jobs' or projects' ends in one batch."""
        rows = [
            (d.owner_id, d.job_id, d.project_id, hook, url, secret, d.event, d.payload)
            for d in deliveries
            for hook, url, secret in d.targets
        ]
        if rows:
            await conn.executemany(
                "INSERT INTO webhook_deliveries (owner_id, job_id, project_id, webhook_id, url, secret, event, "
                " payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (job_id, url, event) DO NOTHING",
                rows,
            )

    async def enqueue_test(
        self, owner_id: uuid.UUID, webhook_id: uuid.UUID, event: str, payload: dict[str, Any]
    ) -> asyncpg.Record:
        """Queue one delivery to a registered webhook of the owner, whatever events it subscribed to."""
        row = await self.db.fetchrow(
            "INSERT INTO webhook_deliveries (owner_id, webhook_id, url, secret, event, payload) "
            "SELECT owner_id, id, url, secret, $3, $4 FROM webhooks WHERE id = $1 AND owner_id = $2 RETURNING *",
            webhook_id,
            owner_id,
            event,
            payload,
        )
        if row is None:
            raise NotFound(f"webhook {webhook_id} not found")
        return row

    async def deliveries(
        self, owner_id: uuid.UUID, webhook_id: uuid.UUID, limit: int, offset: int
    ) -> list[asyncpg.Record]:
        """A registered webhook's deliveries of the last week, newest first."""
        await self.get(owner_id, webhook_id)
        return list(
            await self.db.fetch(
                "SELECT * FROM webhook_deliveries WHERE webhook_id = $1 AND owner_id = $2 "
                "AND created_at > now() - make_interval(days => $3) ORDER BY created_at DESC, id LIMIT $4 OFFSET $5",
                webhook_id,
                owner_id,
                DELIVERY_LOG_DAYS,
                limit,
                offset,
            )
        )

    async def purge_finished(self) -> int:
        """Forget deliveries that ended over a week ago; how many were removed."""
        removed = await self.db.fetchval(
            "WITH gone AS (DELETE FROM webhook_deliveries WHERE status <> 'pending' "
            "AND created_at < now() - make_interval(days => $1) RETURNING 1) SELECT count(*) FROM gone",
            DELIVERY_LOG_DAYS,
        )
        return int(removed)

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
