"""`job_changes`: the log of job changes behind the tenant event stream (GET /api/v1/events).

A trigger on `generation_jobs` (migration 0007) writes a row for every creation and every change
of status, progress or stage, with the writing transaction's id (`xid`), whichever process made
it. Readers take only rows of transactions older than every transaction still running
(`pg_snapshot_xmin`): a transaction that commits late has a smaller xid than the rows already
read after it would have, so it is never skipped, and the xid serves as a monotonic event id.
A row older than `SETTLED_SECONDS` is read anyway, so one long transaction elsewhere in the
cluster delays events by at most that much.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from studio.gateway.store.base import Db

#: Rows of a transaction still running when this old are read anyway (see the module doc).
SETTLED_SECONDS = 5.0
#: Transactions read per call, at most (their rows all come together, never split).
BATCH_XIDS = 200

_SETTLED = (
    "(c.xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint OR c.at < now() - make_interval(secs => "
    f"{SETTLED_SECONDS}))"
)


@dataclass(frozen=True)
class JobChange:
    job_id: uuid.UUID
    #: The writing transaction: the event id.
    xid: int


class JobChangeStore:
    def __init__(self, pool: Db) -> None:
        self.pool = pool

    async def horizon(self) -> int:
        """An id every change at or before which is committed: a snapshot read after this reflects them."""
        value: int = await self.pool.fetchval("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1")
        return value

    async def replayable(self, after: int) -> bool:
        """Whether every change after `after` is still kept (and `after` is an id this database issued)."""
        row = await self.pool.fetchrow(
            "SELECT (SELECT xid FROM job_changes_purged) AS purged, "
            "pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next"
        )
        assert row is not None
        return bool(row["purged"] <= after < row["next"])

    async def since(self, owner_id: uuid.UUID, after: int) -> list[JobChange]:
        """The tenant's settled changes after `after`, oldest first, whole transactions only."""
        rows = await self.pool.fetch(
            "WITH settled AS ("
            "  SELECT c.job_id, c.xid, c.seq FROM job_changes c "
            f" WHERE c.owner_id = $1 AND c.xid > $2 AND {_SETTLED}"
            "), first_xids AS (SELECT DISTINCT xid FROM settled ORDER BY xid LIMIT $3) "
            "SELECT job_id, xid FROM settled WHERE xid IN (SELECT xid FROM first_xids) "
            "ORDER BY settled.xid, seq",
            owner_id,
            after,
            BATCH_XIDS,
        )
        return [JobChange(row["job_id"], row["xid"]) for row in rows]

    async def latest_of_job(self, job_id: uuid.UUID) -> int:
        """The id of the job's latest committed change (0 when none is kept)."""
        value: int | None = await self.pool.fetchval("SELECT max(xid) FROM job_changes WHERE job_id = $1", job_id)
        return value or 0

    async def purge(self, older_than: timedelta) -> int:
        """Forget changes older than `older_than`, remembering up to where (a replay from before it is refused)."""
        result: int = await self.pool.fetchval(
            "WITH gone AS (DELETE FROM job_changes WHERE at < now() - $1::interval RETURNING xid), "
            "moved AS (UPDATE job_changes_purged SET xid = (SELECT max(xid) FROM gone) "
            "  WHERE EXISTS (SELECT 1 FROM gone) AND (SELECT max(xid) FROM gone) > xid RETURNING 1) "
            "SELECT count(*)::int FROM gone",
            older_than,
        )
        return result
