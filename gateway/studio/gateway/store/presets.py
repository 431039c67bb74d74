"""`presets`: forms' fields saved under a name by an account (the web studio's "Save as preset")."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from studio.core.errors import FailedPrecondition, NotFound
from studio.gateway.store.base import Db

#: Presets one account may keep (concurrent saves may pass it by a few; it bounds storage, not rights).
MAX_PRESETS = 500


class PresetStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def create(
        self, owner_id: uuid.UUID, name: str, kind: str, tags: list[str], values: dict[str, Any]
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            "INSERT INTO presets (owner_id, name, kind, tags, form_values) "
            "SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM presets WHERE owner_id = $1) < $6 "
            "RETURNING *",
            owner_id,
            name,
            kind,
            tags,
            values,
            MAX_PRESETS,
        )
        if row is None:
            raise FailedPrecondition(
                f"this account already keeps {MAX_PRESETS} presets, the most it may; delete some first"
            )
        return row

    async def page(self, owner_id: uuid.UUID, kind: str | None, limit: int, offset: int) -> list[asyncpg.Record]:
        """The account's presets (of one kind, when given), newest first."""
        return list(
            await self.db.fetch(
                "SELECT * FROM presets WHERE owner_id = $1 AND ($2::text IS NULL OR kind = $2) "
                "ORDER BY created_at DESC, id LIMIT $3 OFFSET $4",
                owner_id,
                kind,
                limit,
                offset,
            )
        )

    async def delete(self, owner_id: uuid.UUID, preset_id: uuid.UUID) -> None:
        deleted = await self.db.fetchval(
            "DELETE FROM presets WHERE id = $1 AND owner_id = $2 RETURNING id", preset_id, owner_id
        )
        if deleted is None:
            raise NotFound(f"preset {preset_id} not found")
