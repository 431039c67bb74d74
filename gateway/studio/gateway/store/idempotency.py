"""`idempotency_keys`: a POST's claim on (tenant, key), then its stored response."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from studio.gateway.store.base import Db

#: Stored responses are kept this long; then the key may be used again.
RETENTION = "24 hours"


class IdempotencyStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def claim(
        self, owner_id: uuid.UUID, key: str, method: str, path: str, request_hash: str, abandoned_seconds: int
    ) -> bool:
        """Claim the key for this request; an unanswered claim older than `abandoned_seconds` is taken over."""
        claimed = await self.db.fetchval(
            "INSERT INTO idempotency_keys (owner_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (owner_id, key) DO UPDATE SET created_at = now(), request_hash = EXCLUDED.request_hash, "
            "  method = EXCLUDED.method, path = EXCLUDED.path "
            "  WHERE idempotency_keys.status_code IS NULL "
            "  AND idempotency_keys.created_at < now() - make_interval(secs => $6) "
            "RETURNING true",
            owner_id,
            key,
            method,
            path,
            request_hash,
            abandoned_seconds,
        )
        return bool(claimed)

    async def get(self, owner_id: uuid.UUID, key: str) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            "SELECT request_hash, path, status_code, headers, body FROM idempotency_keys "
            "WHERE owner_id = $1 AND key = $2",
            owner_id,
            key,
        )

    async def store(self, owner_id: uuid.UUID, key: str, status: int, headers: list[Any], body: bytes) -> None:
        await self.db.execute(
            "UPDATE idempotency_keys SET status_code = $3, headers = $4, body = $5 WHERE owner_id = $1 AND key = $2",
            owner_id,
            key,
            status,
            headers,
            body,
        )

    async def release(self, owner_id: uuid.UUID, key: str) -> None:
        await self.db.execute(
            "DELETE FROM idempotency_keys WHERE owner_id = $1 AND key = $2 AND status_code IS NULL", owner_id, key
        )

    async def purge_expired(self) -> None:
        await self.db.execute(f"DELETE FROM idempotency_keys WHERE created_at < now() - interval '{RETENTION}'")
