"""`api_keys`: the keys of each account (tenant), their hashes and the account's webhook signing secret.

The tenant is the account, identified by its first key's id (`tenant_id = id` for that key): every
resource's `owner_id` names it. Keys are revoked, never deleted, so those references stay valid.
"""

from __future__ import annotations

import uuid

import asyncpg

from studio.core.errors import FailedPrecondition, NotFound
from studio.gateway.store.base import Db

#: Keys not revoked one account may have (concurrent creations may pass it by a few).
MAX_ACTIVE_KEYS = 100
#: `last_used_at` is written at most this often per key (it costs a write).
TOUCH_SECONDS = 60
_LISTED = "id, tenant_id, name, prefix, created_at, last_used_at, revoked_at"
_IDENTITY = (
    "id, tenant_id, revoked_at, "
    f"(last_used_at IS NULL OR last_used_at < now() - interval '{TOUCH_SECONDS} seconds') AS stale"
)


class KeyStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def insert(
        self,
        key_id: uuid.UUID,
        name: str,
        prefix: str,
        key_hash: str,
        webhook_secret: str,
        tenant_id: uuid.UUID | None = None,
    ) -> None:
        """A key of `tenant_id`'s account (which keeps at most MAX_ACTIVE_KEYS), or (None) the first key
        of a new account."""
        row = await self.db.fetchval(
            "INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, webhook_secret) "
            "SELECT $1, $2, $3, $4, $5, $6 "
            "WHERE (SELECT count(*) FROM api_keys WHERE tenant_id = $2 AND revoked_at IS NULL) < $7 "
            "RETURNING id",
            key_id,
            tenant_id or key_id,
            name,
            prefix,
            key_hash,
            webhook_secret,
            MAX_ACTIVE_KEYS,
        )
        if row is None:
            raise FailedPrecondition(
                f"this account already has {MAX_ACTIVE_KEYS} API keys that are not revoked, the most it may; "
                "revoke one first"
            )

    async def by_hash(self, key_hash: str) -> asyncpg.Record | None:
        """The key (revoked or not) whose hash this is: id, tenant_id, revoked_at, and `stale` when its
        last use was recorded more than TOUCH_SECONDS ago (see `touch`)."""
        return await self.db.fetchrow(f"SELECT {_IDENTITY} FROM api_keys WHERE key_hash = $1", key_hash)

    async def by_id(self, key_id: uuid.UUID) -> asyncpg.Record | None:
        """The same for a key named by id (a web UI token names its key)."""
        return await self.db.fetchrow(f"SELECT {_IDENTITY} FROM api_keys WHERE id = $1", key_id)

    async def touch(self, key_id: uuid.UUID) -> None:
        """Record a use now (callers do so only when `stale`: it costs a write)."""
        await self.db.execute("UPDATE api_keys SET last_used_at = now() WHERE id = $1", key_id)

    async def account_active(self, tenant_id: uuid.UUID) -> bool:
        """The account still has a key that is not revoked (its signed links stay valid)."""
        return bool(
            await self.db.fetchval(
                "SELECT true FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL LIMIT 1", tenant_id
            )
        )

    async def get(self, key_id: uuid.UUID) -> asyncpg.Record:
        row = await self.db.fetchrow("SELECT * FROM api_keys WHERE id = $1", key_id)
        assert row is not None  # the caller was authenticated with it
        return row

    async def webhook_secret(self, conn: Db, tenant_id: uuid.UUID) -> str:
        """The account's per-request webhook signing secret (kept on its first key's row)."""
        secret: str = await conn.fetchval("SELECT webhook_secret FROM api_keys WHERE id = $1", tenant_id)
        return secret

    async def of_tenant(self, tenant_id: uuid.UUID, limit: int, offset: int) -> list[asyncpg.Record]:
        """The account's keys, revoked ones too, newest first."""
        return list(
            await self.db.fetch(
                f"SELECT {_LISTED} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3",
                tenant_id,
                limit,
                offset,
            )
        )

    async def revoke_of(self, tenant_id: uuid.UUID, key_id: uuid.UUID) -> asyncpg.Record:
        """Revoke one of the account's keys (again is a no-op); another account's key is not found."""
        row = await self.db.fetchrow(
            f"UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND tenant_id = $2 "
            f"RETURNING {_LISTED}",
            key_id,
            tenant_id,
        )
        if row is None:
            raise NotFound(f"API key {key_id} not found")
        return row

    async def all(self) -> list[asyncpg.Record]:
        return list(await self.db.fetch(f"SELECT {_LISTED} FROM api_keys ORDER BY created_at"))

    async def revoke(self, key_id: uuid.UUID) -> bool:
        done = await self.db.fetchval(
            "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id", key_id
        )
        return done is not None
