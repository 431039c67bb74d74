"""`api_keys`: tenants, their key hashes and webhook signing secrets."""

from __future__ import annotations

import uuid

import asyncpg

from studio.gateway.store.base import Db


class KeyStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def insert(self, key_id: uuid.UUID, name: str, prefix: str, key_hash: str, webhook_secret: str) -> None:
        await self.db.execute(
            "INSERT INTO api_keys (id, name, prefix, key_hash, webhook_secret) VALUES ($1, $2, $3, $4, $5)",
            key_id,
            name,
            prefix,
            key_hash,
            webhook_secret,
        )

    async def owner_of_hash(self, key_hash: str) -> uuid.UUID | None:
        """The tenant of a non-revoked key, by the key's hash."""
        owner: uuid.UUID | None = await self.db.fetchval(
            "SELECT id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", key_hash
        )
        return owner

    async def active(self, owner_id: uuid.UUID) -> bool:
        return bool(await self.db.fetchval("SELECT true FROM api_keys WHERE id = $1 AND revoked_at IS NULL", owner_id))

    async def get(self, owner_id: uuid.UUID) -> asyncpg.Record:
        row = await self.db.fetchrow("SELECT * FROM api_keys WHERE id = $1", owner_id)
        assert row is not None  # the caller was authenticated with it
        return row

    async def webhook_secret(self, conn: Db, owner_id: uuid.UUID) -> str:
        secret: str = await conn.fetchval("SELECT webhook_secret FROM api_keys WHERE id = $1", owner_id)
        return secret

    async def all(self) -> list[asyncpg.Record]:
        return list(
            await self.db.fetch("SELECT id, name, prefix, created_at, revoked_at FROM api_keys ORDER BY created_at")
        )

    async def revoke(self, key_id: uuid.UUID) -> bool:
        done = await self.db.fetchval(
            "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id", key_id
        )
        return done is not None
