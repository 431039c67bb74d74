"""`projects` and `project_versions`: a production's content (screenplay or briefing), state (draft, running,
completed, failed), planned steps and per-production webhook; and each production as a numbered version.

Every start of a production adds version N+1 (running); its end records the version's outcome in the same
statement as the project's, and a completed version becomes the project's current one (`projects.version`,
whose film is the project's `result`). Restoring an older version copies its screenplay, steps and film back.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from studio.core.errors import FailedPrecondition, NotFound
from studio.gateway.store.base import Db

PROJECT_COLUMNS = "id, owner_id, name, type, status, error, result, steps, version, created_at, updated_at"
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
        scenes: list[int] | None = None,
        conn: Db | None = None,
    ) -> int | None:
        """Mark the project running with this content (a screenplay, or a briefing the director turns into
        one) and this production's webhook, as a new version (`scenes`: those rendered anew); the version's
        number, or None when the project already is running."""
        number: int | None = await (conn or self.db).fetchval(
            "WITH started AS ("
            "  UPDATE projects SET status = 'running', screenplay = $3, briefing = $4, webhook_url = $5, "
            "  webhook_events = $6, error = NULL, updated_at = now() "
            "  WHERE id = $1 AND owner_id = $2 AND status <> 'running' RETURNING id"
            ") INSERT INTO project_versions (project_id, number, scenes, screenplay) "
            "SELECT started.id, COALESCE((SELECT max(number) FROM project_versions WHERE project_id = started.id), 0) "
            " + 1, $7, $3 FROM started RETURNING number",
            project_id,
            owner_id,
            screenplay,
            briefing,
            webhook_url,
            webhook_events,
            scenes or [],
        )
        return number

    async def running(self) -> list[uuid.UUID]:
        """Projects being produced (resumed at start-up), oldest change first."""
        rows = await self.db.fetch("SELECT id FROM projects WHERE status = 'running' ORDER BY updated_at")
        return [row["id"] for row in rows]

    async def production(self, project_id: uuid.UUID) -> asyncpg.Record | None:
        """(owner_id, screenplay, briefing, version) of a running project, or None."""
        return await self.db.fetchrow(
            "SELECT owner_id, screenplay, briefing, "
            " (SELECT max(number) FROM project_versions WHERE project_id = projects.id) AS version "
            "FROM projects WHERE id = $1 AND status = 'running'",
            project_id,
        )

    async def written(self, project_id: uuid.UUID, screenplay: dict[str, Any]) -> None:
        """Keep the screenplay the director wrote for a running production (a resume produces the same one)."""
        await self.db.execute(
            "WITH version AS (UPDATE project_versions SET screenplay = $2, updated_at = now() "
            " WHERE project_id = $1 AND status = 'running') "
            "UPDATE projects SET screenplay = $2, updated_at = now() WHERE id = $1 AND status = 'running'",
            project_id,
            screenplay,
        )

    async def plan(self, project_id: uuid.UUID, steps: list[dict[str, Any]]) -> None:
        """The running version's planned steps (also the project's, for display)."""
        await self.db.execute(
            "WITH version AS (UPDATE project_versions SET steps = $2, updated_at = now() "
            " WHERE project_id = $1 AND status = 'running') "
            "UPDATE projects SET steps = $2, updated_at = now() WHERE id = $1",
            project_id,
            steps,
        )

    async def step_versions(self, project_id: uuid.UUID, before: int) -> dict[str, int]:
        """Step id -> the earliest version before `before` that planned it (whose job made its result)."""
        rows = await self.db.fetch(
            "SELECT step->>'id' AS id, min(number) AS version FROM project_versions, "
            " jsonb_array_elements(steps) AS step WHERE project_id = $1 AND number < $2 GROUP BY 1",
            project_id,
            before,
        )
        return {row["id"]: row["version"] for row in rows}

    async def finish(
        self, conn: Db, project_id: uuid.UUID, status: str, *, error: str | None, result: Any
    ) -> asyncpg.Record | None:
        """End a running production and its version (a completed one becomes current); the whole project row
        (webhook included), or None when it was not running."""
        return await conn.fetchrow(
            "WITH version AS (UPDATE project_versions SET status = $2, error = $3, result = $4, updated_at = now() "
            " WHERE project_id = $1 AND status = 'running' RETURNING number) "
            "UPDATE projects SET status = $2, error = $3, result = COALESCE($4, result), updated_at = now(), "
            " version = CASE WHEN $2 = 'completed' THEN COALESCE((SELECT max(number) FROM version), version) "
            "  ELSE version END "
            "WHERE id = $1 AND status = 'running' RETURNING *",
            project_id,
            status,
            error,
            result,
        )

    # -- versions ------------------------------------------------------------------------------

    async def versions(self, owner_id: uuid.UUID, project_id: uuid.UUID) -> list[asyncpg.Record]:
        """A project's versions, newest first, each with `current` (NotFound for another owner's project)."""
        await self.get(owner_id, project_id)
        return list(
            await self.db.fetch(
                "SELECT v.*, v.number = p.version AS current FROM project_versions v "
                "JOIN projects p ON p.id = v.project_id WHERE v.project_id = $1 AND p.owner_id = $2 "
                "ORDER BY v.number DESC",
                project_id,
                owner_id,
            )
        )

    async def version(self, owner_id: uuid.UUID, project_id: uuid.UUID, number: int) -> asyncpg.Record:
        row = await self.db.fetchrow(
            "SELECT v.*, v.number = p.version AS current FROM project_versions v "
            "JOIN projects p ON p.id = v.project_id WHERE v.project_id = $1 AND p.owner_id = $2 AND v.number = $3",
            project_id,
            owner_id,
            number,
        )
        if row is None:
            raise NotFound(f"project {project_id} has no version {number}")
        return row

    async def restore(self, conn: asyncpg.Connection, owner_id: uuid.UUID, project_id: uuid.UUID, number: int) -> None:
        """Make a completed version current again: its screenplay, steps and film become the project's (the
        caller holds `conn` in a transaction)."""
        project = await conn.fetchrow(
            "SELECT status FROM projects WHERE id = $1 AND owner_id = $2 FOR UPDATE", project_id, owner_id
        )
        if project is None:
            raise NotFound(f"project {project_id} not found")
        version = await conn.fetchrow(
            "SELECT status, screenplay, steps, result FROM project_versions WHERE project_id = $1 AND number = $2",
            project_id,
            number,
        )
        if version is None:
            raise NotFound(f"project {project_id} has no version {number}")
        if project["status"] == "running":
            raise FailedPrecondition(f"project {project_id} is being produced; wait for it to finish, then restore")
        if version["status"] != "completed":
            raise FailedPrecondition(
                f"version {number} is {version['status']}; only a completed version (one with a film) can be restored"
            )
        await conn.execute(
            "UPDATE projects SET status = 'completed', error = NULL, screenplay = $2, steps = $3, result = $4, "
            " version = $5, updated_at = now() WHERE id = $1",
            project_id,
            version["screenplay"],
            version["steps"],
            version["result"],
            number,
        )

    async def duplicate(self, owner_id: uuid.UUID, project_id: uuid.UUID, name: str | None) -> uuid.UUID:
        """A new draft with the project's type and current screenplay (and briefing); no jobs are copied."""
        new_id: uuid.UUID | None = await self.db.fetchval(
            "INSERT INTO projects (owner_id, name, type, screenplay, briefing) "
            "SELECT owner_id, COALESCE($3, left(name, 193) || ' (copy)'), type, screenplay, briefing "
            "FROM projects WHERE id = $1 AND owner_id = $2 RETURNING id",
            project_id,
            owner_id,
            name,
        )
        if new_id is None:
            raise NotFound(f"project {project_id} not found")
        return new_id
