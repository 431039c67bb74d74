"""`projects`: a production's content (screenplay or briefing), state (draft, running, completed, failed),
planned steps and per-production webhook."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from studio.core.errors import NotFound
from studio.gateway.store.base import Db

PROJECT_COLUMNS = "id, owner_id, name, type, status, error, result, steps, created_at, updated_at"
#: What a production is made from (large: only the detail view reads them).
CONTENT_COLUMNS = "screenplay, briefing"


class ProjectStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def create(self, owner_id: uuid.UUID, name: str, type_: str, conn: Db | None = None) -> uuid.UUID:
        project_id: uuid.UUID = await (conn or self.db).fetchval(
            "INSERT INTO projects (owner_id, name, type) VALUES ($1, $2, $3) RETURNING id", owner_id, name, type_
        )
        return project_id

    async def get(
        self, owner_id: uuid.UUID, project_id: uuid.UUID, conn: Db | None = None, *, content: bool = False
    ) -> asyncpg.Record:
        columns = f"{PROJECT_COLUMNS}, {CONTENT_COLUMNS}" if content else PROJECT_COLUMNS
        row = await (conn or self.db).fetchrow(
            f"SELECT {columns} FROM projects WHERE id = $1 AND owner_id = $2", project_id, owner_id
        )
        if row is None:
            raise NotFound(f"project {project_id} not found")
        return row

    async def owned(self, owner_id: uuid.UUID, project_id: uuid.UUID) -> bool:
        found = await self.db.fetchval("SELECT id FROM projects WHERE id = $1 AND owner_id = $2", project_id, owner_id)
        return found is not None

    async def page(self, owner_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
        return list(
            await self.db.fetch(
                f"SELECT {PROJECT_COLUMNS} FROM projects WHERE owner_id = $1 ORDER BY created_at DESC, id "
                "LIMIT $2 OFFSET $3",
                owner_id,
                limit,
                offset,
            )
        )

    async def start(
        self,
        owner_id: uuid.UUID,
        project_id: uuid.UUID,
        *,
        screenplay: dict[str, Any] | None,
        briefing: dict[str, Any] | None,
        webhook_url: str | None = None,
        webhook_events: list[str] | None = None,
        conn: Db | None = None,
    ) -> bool:
        """Mark the project running with this content (a screenplay, or a briefing the director turns into
        one) and this production's webhook; False when it already is running."""
        updated = await (conn or self.db).fetchval(
            "UPDATE projects SET status = 'running', screenplay = $3, briefing = $4, webhook_url = $5, "
            "webhook_events = $6, error = NULL, updated_at = now() "
            "WHERE id = $1 AND owner_id = $2 AND status <> 'running' RETURNING id",
            project_id,
            owner_id,
            screenplay,
            briefing,
            webhook_url,
            webhook_events,
        )
        return updated is not None

    async def running(self) -> list[uuid.UUID]:
        """Projects being produced (resumed at start-up), oldest change first."""
        rows = await self.db.fetch("SELECT id FROM projects WHERE status = 'running' ORDER BY updated_at")
        return [row["id"] for row in rows]

    async def production(self, project_id: uuid.UUID) -> asyncpg.Record | None:
        """(owner_id, screenplay, briefing) of a running project, or None."""
        return await self.db.fetchrow(
            "SELECT owner_id, screenplay, briefing FROM projects WHERE id = $1 AND status = 'running'", project_id
        )

    async def written(self, project_id: uuid.UUID, screenplay: dict[str, Any]) -> None:
        """Keep the screenplay the director wrote for a running production (a resume produces the same one)."""
        await self.db.execute(
            "UPDATE projects SET screenplay = $2, updated_at = now() WHERE id = $1 AND status = 'running'",
            project_id,
            screenplay,
        )

    async def plan(self, project_id: uuid.UUID, steps: list[dict[str, Any]]) -> None:
        await self.db.execute("UPDATE projects SET steps = $2, updated_at = now() WHERE id = $1", project_id, steps)

    async def finish(
        self, conn: Db, project_id: uuid.UUID, status: str, *, error: str | None, result: Any
    ) -> asyncpg.Record | None:
        """End a running production; the whole row (webhook included), or None when it was not running."""
        return await conn.fetchrow(
            "UPDATE projects SET status = $2, error = $3, result = COALESCE($4, result), updated_at = now() "
            "WHERE id = $1 AND status = 'running' RETURNING *",
            project_id,
            status,
            error,
            result,
        )
