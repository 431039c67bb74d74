"""Monthly budgets: what a tenant spent this calendar month (UTC), what its unfinished jobs reserve,
and the refusal of work that would go past the budget.

The check and the insert of the work it allows happen in one transaction holding the owner's
budget lock (`BudgetStore.lock`), so two submissions at once cannot both pass against the
same spending.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from studio.gateway.errors import BudgetExceeded
from studio.gateway.store.base import Db
from studio.gateway.store.budgets import BudgetStore
from studio.gateway.store.jobs import JobStore


def usd(value: float) -> str:
    """Money as people read it: cents ($0.84), or four decimals for small sub-cent amounts ($0.0030)."""
    return f"${value:,.2f}" if value >= 0.1 or round(value, 2) == round(value, 6) else f"${value:,.4f}"


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month(now: datetime) -> datetime:
    start = month_start(now)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


@dataclass(frozen=True)
class BudgetState:
    #: None: no budget applies (no row, no STUDIO_DEFAULT_MONTHLY_BUDGET_USD).
    monthly_usd: float | None
    spent_usd: float
    reserved_usd: float
    #: "2026-12"
    month: str
    #: "2027-01-01": when the spending starts again from zero.
    resets_on: str

    def fits(self, estimate_usd: float) -> bool:
        if self.monthly_usd is None:
            return True
        return self.spent_usd + self.reserved_usd + estimate_usd <= self.monthly_usd + 1e-9


#: How long a process trusts what it read of an owner's budget row. Every submission asks whether a
#: budget applies (to price the job only then), and that read was half the job path's round trips.
#: A budget set through this process applies at once; one set through another replica, within this.
OWN_BUDGET_SECONDS = 2.0


class Budgets:
    """Reads and checks budgets over the budget and job stores."""

    def __init__(self, budgets: BudgetStore, jobs: JobStore, default_usd: Callable[[], float | None]) -> None:
        self.budgets = budgets
        self.jobs = jobs
        #: STUDIO_DEFAULT_MONTHLY_BUDGET_USD, read when needed (tests swap the settings).
        self.default_usd = default_usd
        self._own: dict[uuid.UUID, tuple[float | None, float]] = {}

    async def monthly(self, owner_id: uuid.UUID, conn: Db | None = None) -> float | None:
        """The budget that applies to the owner (its own, else the default), without locking."""
        cached = self._own.get(owner_id)
        if cached is not None and cached[1] > time.monotonic():
            own = cached[0]
        else:
            own = await self.budgets.get(owner_id, conn)
            if len(self._own) > 10_000:
                self._own.clear()
            self._own[owner_id] = (own, time.monotonic() + OWN_BUDGET_SECONDS)
        return own if own is not None else self.default_usd()

    async def set(self, owner_id: uuid.UUID, monthly_usd: float) -> None:
        """Store the owner's budget; this process applies it from the next submission."""
        await self.budgets.put(owner_id, monthly_usd)
        self._own.pop(owner_id, None)

    async def state(self, conn: Db, owner_id: uuid.UUID, *, lock: bool = False) -> BudgetState:
        """The owner's month so far; with `lock`, the owner's budget stays locked until `conn`'s transaction ends."""
        own = await self.budgets.lock(conn, owner_id) if lock else await self.budgets.get(owner_id, conn)
        now = datetime.now(UTC)
        start = month_start(now)
        return BudgetState(
            monthly_usd=own if own is not None else self.default_usd(),
            spent_usd=await self.jobs.spent_since(conn, owner_id, start),
            reserved_usd=await self.jobs.reserved(conn, owner_id),
            month=start.strftime("%Y-%m"),
            resets_on=next_month(now).strftime("%Y-%m-%d"),
        )


def refuse_if_over(state: BudgetState, estimate_usd: float, what: str = "this job") -> None:
    """BudgetExceeded (402, nothing created) when `estimate_usd` more would go past the month's budget."""
    if state.fits(estimate_usd):
        return
    assert state.monthly_usd is not None
    raise BudgetExceeded(
        f"{what} would cost {usd(estimate_usd)} (estimate); {usd(state.spent_usd)} of your "
        f"{usd(state.monthly_usd)} budget for {state.month} is spent and {usd(state.reserved_usd)} is reserved by "
        f"running jobs; raise the budget (PUT /api/v1/budget) or wait until {state.resets_on}",
        budget_usd=round(state.monthly_usd, 2),
        spent_usd=round(state.spent_usd, 6),
        reserved_usd=round(state.reserved_usd, 6),
        estimate_usd=round(estimate_usd, 6),
    )
