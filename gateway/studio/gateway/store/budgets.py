"""`budgets`: tenants' monthly budgets (owners without a row get STUDIO_DEFAULT_MONTHLY_BUDGET_USD)."""

from __future__ import annotations

import uuid

from studio.gateway.store.base import Db

#: The class of the per-owner advisory locks (two-key form, apart from the single-key locks elsewhere).
_LOCK_CLASS = 7_510_044


class BudgetStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def get(self, owner_id: uuid.UUID, conn: Db | None = None) -> float | None:
        value = await (conn or self.db).fetchval(
            "SELECT monthly_usd::float8 FROM budgets WHERE owner_id = $1", owner_id
        )
        return None if value is None else float(value)

    async def put(self, owner_id: uuid.UUID, monthly_usd: float) -> None:
        await self.db.execute(
            "INSERT INTO budgets (owner_id, monthly_usd) VALUES ($1, $2) ON CONFLICT (owner_id) DO UPDATE SET "
            " monthly_usd = EXCLUDED.monthly_usd, updated_at = now()",
            owner_id,
            monthly_usd,
        )

    async def lock(self, conn: Db, owner_id: uuid.UUID) -> float | None:
        """The owner's budget row, locked until the transaction ends (None: no row).

        An advisory lock per owner comes first, so owners on the default budget (no row to lock)
        are serialised too: two submissions cannot both pass the check against the same spending.
        """
        await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2::uuid::text))", _LOCK_CLASS, owner_id)
        value = await conn.fetchval("SELECT monthly_usd::float8 FROM budgets WHERE owner_id = $1 FOR UPDATE", owner_id)
        return None if value is None else float(value)
