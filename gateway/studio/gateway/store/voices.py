"""`voices`: cloned voices, `processing` until their registration job ends."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from studio.core.errors import FailedPrecondition, NotFound
from studio.gateway.store.base import Db
from studio.v1.common_pb2 import ArtifactRef


def ready_profile(row: Any, name: str, field: str = "") -> ArtifactRef:
    """The voice's profile; FailedPrecondition (one message for it everywhere) while it is not ready."""
    if row["status"] != "ready":
        reason = f": {row['error']}" if row["error"] else "; wait until its job completes"
        where = f"{field}: " if field else ""
        raise FailedPrecondition(f"{where}voice {name} is {row['status']}, not ready{reason}")
    return ArtifactRef(**row["profile"])


class VoiceStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def create(
        self,
        conn: Db,
        *,
        voice_id: uuid.UUID,
        owner_id: uuid.UUID,
        name: str,
        language: str,
        sample_asset_id: uuid.UUID,
        job_id: uuid.UUID,
    ) -> None:
        await conn.execute(
            "INSERT INTO voices (id, owner_id, name, language, sample_asset_id, job_id) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            voice_id,
            owner_id,
            name,
            language,
            sample_asset_id,
            job_id,
        )

    async def get(self, owner_id: uuid.UUID, voice_id: uuid.UUID, conn: Db | None = None) -> asyncpg.Record:
        row = await (conn or self.db).fetchrow(
            "SELECT * FROM voices WHERE id = $1 AND owner_id = $2", voice_id, owner_id
        )
        if row is None:
            raise NotFound(f"voice {voice_id} not found")
        return row

    async def find(self, owner_id: uuid.UUID, voice_id: uuid.UUID | None, name: str) -> asyncpg.Record | None:
        """A voice by id or by name (the ready and newest first), or None."""
        return await self.db.fetchrow(
            "SELECT * FROM voices WHERE owner_id = $1 AND (id = $2 OR name = $3) "
            "ORDER BY (status = 'ready') DESC, created_at DESC LIMIT 1",
            owner_id,
            voice_id,
            name,
        )

    async def page(self, owner_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
        return list(
            await self.db.fetch(
                "SELECT * FROM voices WHERE owner_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
                owner_id,
                limit,
                offset,
            )
        )

    async def ready(self, conn: Db, job_id: uuid.UUID, profile: Any, details: dict[str, Any]) -> None:
        await conn.execute(
            "UPDATE voices SET status = 'ready', profile = $2, details = $3, error = NULL WHERE job_id = $1",
            job_id,
            profile,
            details,
        )

    async def failed(self, conn: Db, job_id: uuid.UUID, error: str) -> None:
        await conn.execute("UPDATE voices SET status = 'failed', error = $2 WHERE job_id = $1", job_id, error)

    async def of_job(self, conn: Db, job_id: uuid.UUID) -> uuid.UUID | None:
        """The voice a registration job made, if any."""
        voice_id: uuid.UUID | None = await conn.fetchval("SELECT id FROM voices WHERE job_id = $1", job_id)
        return voice_id

    async def of_sample(self, conn: Db, asset_id: uuid.UUID) -> uuid.UUID | None:
        """The voice registered from this sample, if any."""
        voice_id: uuid.UUID | None = await conn.fetchval("SELECT id FROM voices WHERE sample_asset_id = $1", asset_id)
        return voice_id

    async def delete(self, conn: Db, voice_id: uuid.UUID) -> None:
        await conn.execute("DELETE FROM voices WHERE id = $1", voice_id)
