"""`provider_keys`: tenants' own provider keys, encrypted (see studio.gateway.providers.keyring)."""

from __future__ import annotations

import uuid

import asyncpg

from studio.gateway.store.base import Db


class ProviderKeyStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def put(
        self, owner_id: uuid.UUID, provider: str, ciphertext: bytes, hint: str, key_version: int
    ) -> asyncpg.Record:
        row = await self.db.fetchrow(
            "INSERT INTO provider_keys (owner_id, provider, ciphertext, hint, key_version) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (owner_id, provider) DO UPDATE SET "
            " ciphertext = EXCLUDED.ciphertext, hint = EXCLUDED.hint, key_version = EXCLUDED.key_version, "
            " updated_at = now() RETURNING provider, hint, updated_at",
            owner_id,
            provider,
            ciphertext,
            hint,
            key_version,
        )
        assert row is not None
        return row

    async def delete(self, owner_id: uuid.UUID, provider: str) -> bool:
        done = await self.db.fetchval(
            "DELETE FROM provider_keys WHERE owner_id = $1 AND provider = $2 RETURNING provider", owner_id, provider
        )
        return done is not None

    async def hints(self, owner_id: uuid.UUID) -> dict[str, str]:
        """provider -> hint of the keys a tenant stored (never the key)."""
        rows = await self.db.fetch("SELECT provider, hint FROM provider_keys WHERE owner_id = $1", owner_id)
        return {row["provider"]: row["hint"] for row in rows}

    async def sealed(self, owner_id: uuid.UUID) -> list[asyncpg.Record]:
        """A tenant's encrypted keys (provider, ciphertext, key_version), to open at dispatch."""
        return list(
            await self.db.fetch(
                "SELECT provider, ciphertext, key_version FROM provider_keys WHERE owner_id = $1", owner_id
            )
        )

    async def rewrap(
        self, owner_id: uuid.UUID, provider: str, old_version: int, ciphertext: bytes, key_version: int
    ) -> None:
        """Re-encrypt a row sealed with an older secret (only if nobody replaced it meanwhile)."""
        await self.db.execute(
            "UPDATE provider_keys SET ciphertext = $4, key_version = $5 "
            "WHERE owner_id = $1 AND provider = $2 AND key_version = $3",
            owner_id,
            provider,
            old_version,
            ciphertext,
            key_version,
        )
