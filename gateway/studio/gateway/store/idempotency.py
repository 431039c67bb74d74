"""`idempotency_keys`: a POST's claim on (tenant, key), a lease its request renews, then its stored response."""

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
        self,
        owner_id: uuid.UUID,
        key: str,
        method: str,
        path: str,
        request_hash: str,
        holder: uuid.UUID,
        lease_seconds: float,
    ) -> bool:
        """Claim the key for this request (`holder`); an unanswered claim whose lease ran out is taken over."""
        claimed = await self.db.fetchval(
            "INSERT INTO idempotency_keys (owner_id, key, method, path, request_hash, holder, lease_until) "
            "VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) "
            "ON CONFLICT (owner_id, key) DO UPDATE SET created_at = now(), request_hash = EXCLUDED.request_hash, "
            "  method = EXCLUDED.method, path = EXCLUDED.path, holder = EXCLUDED.holder, "
            "  lease_until = EXCLUDED.lease_until "
            "  WHERE idempotency_keys.status_code IS NULL AND idempotency_keys.lease_until < now() "
            "RETURNING true",
            owner_id,
            key,
            method,
            path,
            request_hash,
            holder,
            lease_seconds,
        )
        return bool(claimed)

    async def renew(self, owner_id: uuid.UUID, key: str, holder: uuid.UUID, lease_seconds: float) -> bool:
        """Extend a claim this request still holds (False: it was answered, released or taken over)."""
        renewed = await self.db.fetchval(
            "UPDATE idempotency_keys SET lease_until = now() + make_interval(secs => $4) "
            "WHERE owner_id = $1 AND key = $2 AND holder = $3 AND status_code IS NULL RETURNING true",
            owner_id,
            key,
            holder,
            lease_seconds,
        )
        return bool(renewed)

    async def get(self, owner_id: uuid.UUID, key: str) -> asyncpg.Record | None:
        return await self.db.fetchrow(
            "SELECT request_hash, path, status_code, headers, body FROM idempotency_keys "
            "WHERE owner_id = $1 AND key = $2",
            owner_id,
            key,
        )

    async def store(
        self, owner_id: uuid.UUID, key: str, holder: uuid.UUID, status: int, headers: list[Any], body: bytes
    ) -> None:
        await self.db.execute(
            "UPDATE idempotency_keys SET status_code = $4, headers = $5, body = $6 "
            "WHERE owner_id = $1 AND key = $2 AND holder = $3 AND status_code IS NULL",
            owner_id,
            key,
            holder,
            status,
            headers,
            body,
        )

    async def release(self, owner_id: uuid.UUID, key: str, holder: uuid.UUID) -> None:
        await self.db.execute(
            "DELETE FROM idempotency_keys WHERE owner_id = $1 AND key = $2 AND holder = $3 AND status_code IS NULL",
            owner_id,
            key,
            holder,
        )

    async def purge_expired(self) -> None:
        await self.db.execute(f"DELETE FROM idempotency_keys WHERE created_at < now() - interval '{RETENTION}'")
