"""`generation_jobs`: a job's row and its named transitions.

queued --dispatch--> submitted --start--> running --complete/fail--> completed | failed | cancelled
  ^                                                                                     |
  +-------------------------------------- requeue (a production step again) -----------+
cancel: any unfinished state --> cancelled (one job, or many at once: `lock_to_cancel` + `cancel_many`).
retry: a failed or cancelled job is repeated as a new queued job whose `retry_of` names it.

Every creation and change of status, progress or stage is also logged to `job_changes` by a
trigger (migration 0007, read by `store/job_changes.py`): the tenant event stream's source.

Event transitions (start, progress, complete, fail) are conditional on the dispatch they
belong to and on a live state, so a redelivered or stale event changes nothing. Each is one
statement; only when it matches nothing does the store lock the row, which waits for a
dispatcher that has published but not yet committed, and then tries once more. `start` and
`complete` also take many jobs' events in one statement (the events consumer's batches), so
the round trips per job do not grow with load.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import msgspec
from google.protobuf.message import Message

from studio.core.errors import FailedPrecondition, NotFound
from studio.core.operations import snake_case
from studio.gateway.store.base import Db

log = logging.getLogger(__name__)

TERMINAL = ("completed", "failed", "cancelled")
LIVE = ("submitted", "running")

JOB_COLUMNS = (
    "id, owner_id, project_id, step_id, type, service, rpc, status, priority, parameters, result, "
    "error_code, error_message, progress, stage, attempts, dispatch_count, webhook_url, webhook_events, created_at, "
    "started_at, completed_at, retry_of, cost"
)
#: The request fields a history search looks in.
SEARCHED = ("prompt", "text", "description", "instruction", "title")
_LIVE_ROW = "id = $1 AND dispatch_count = $2 AND status IN ('submitted', 'running')"

Publish = Callable[[asyncpg.Record], Awaitable[None]]


@dataclass(frozen=True)
class Start:
    """A `started` event of one dispatch."""

    job_id: uuid.UUID
    dispatch: int
    at: datetime
    attempt: int


@dataclass(frozen=True)
class Completion:
    """A `completed` event of one dispatch, with the run's start when it is recorded with it."""

    job_id: uuid.UUID
    dispatch: int
    result: dict[str, Any]
    result_any: bytes
    at: datetime
    started_at: datetime | None = None
    attempts: int = 1
    #: The job's studio.v1.Cost as protojson (None: the service reported none).
    cost: dict[str, Any] | None = None


def _usd(cost: dict[str, Any] | None) -> float | None:
    """A cost's dollars, kept in their own column for budgets and sums."""
    return float(cost.get("usd", 0.0)) if cost is not None else None


_INSERTED = (
    "INSERT INTO generation_jobs (id, owner_id, project_id, step_id, type, service, rpc, priority, parameters, "
    " payload, webhook_url, webhook_events, estimated_usd) "
)
_SUBMIT = f"{_INSERTED} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING {JOB_COLUMNS}"
_SUBMIT_ALL = (
    f"{_INSERTED} SELECT id, owner_id, project_id, step_id, type, service, rpc, priority, parameters::jsonb, payload, "
    " webhook_url, CASE WHEN webhook_events IS NULL THEN NULL "
    "   ELSE ARRAY(SELECT jsonb_array_elements_text(webhook_events::jsonb)) END, estimated_usd "
    "FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], "
    " $9::text[], $10::bytea[], $11::text[], $12::text[], $13::numeric[]) "
    " AS v(id, owner_id, project_id, step_id, type, service, rpc, priority, parameters, payload, webhook_url, "
    "   webhook_events, estimated_usd) "
    f"RETURNING {JOB_COLUMNS}"
)
_START = (
    "UPDATE generation_jobs SET status = 'running', started_at = COALESCE(started_at, $3), "
    f"attempts = GREATEST(attempts, $4), updated_at = now() WHERE {_LIVE_ROW} RETURNING id"
)
#: Many-row updates lock their rows in id order first, as every other locker of several jobs does
#: (`lock_to_cancel`), so two of them can never wait on each other (a deadlock).
_LOCKED_IN_ORDER = (
    "locked AS MATERIALIZED (SELECT id FROM generation_jobs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE) "
)
_START_ALL = (
    f"WITH {_LOCKED_IN_ORDER}"
    "UPDATE generation_jobs g SET status = 'running', started_at = COALESCE(g.started_at, e.at), "
    " attempts = GREATEST(g.attempts, e.attempt), updated_at = now() "
    "FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::int[]) AS e(id, dispatch, at, attempt) "
    "WHERE g.id = e.id AND g.id IN (SELECT id FROM locked) AND g.dispatch_count = e.dispatch "
    " AND g.status IN ('submitted', 'running') RETURNING g.id"
)
_COMPLETE = (
    "UPDATE generation_jobs SET status = 'completed', progress = 1, stage = 'done', result = $3, "
    " result_any = $4, completed_at = $5, started_at = COALESCE(started_at, $6), "
    " attempts = GREATEST(attempts, $7), cost = $8, cost_usd = $9, updated_at = now() "
    f"WHERE {_LIVE_ROW} RETURNING {JOB_COLUMNS}"
)
_COMPLETE_ALL = (
    f"WITH {_LOCKED_IN_ORDER}"
    "UPDATE generation_jobs g SET status = 'completed', progress = 1, stage = 'done', result = e.result::jsonb, "
    " result_any = e.result_any, completed_at = e.at, started_at = COALESCE(g.started_at, e.started_at), "
    " attempts = GREATEST(g.attempts, e.attempts), cost = e.cost::jsonb, cost_usd = e.cost_usd, updated_at = now() "
    "FROM unnest($1::uuid[], $2::int[], $3::text[], $4::bytea[], $5::timestamptz[], $6::timestamptz[], $7::int[], "
    " $8::text[], $9::numeric[]) AS e(id, dispatch, result, result_any, at, started_at, attempts, cost, cost_usd) "
    "WHERE g.id = e.id AND g.id IN (SELECT id FROM locked) AND g.dispatch_count = e.dispatch "
    " AND g.status IN ('submitted', 'running') "
    "RETURNING " + ", ".join(f"g.{column.strip()}" for column in JOB_COLUMNS.split(","))
)


def _settle_failed(batch: list[tuple[tuple[Any, ...], asyncio.Future[asyncpg.Record]]], error: BaseException) -> None:
    for _, submitted in batch:
        if not submitted.done():
            submitted.set_exception(error)


def job_type(service: str, rpc: str) -> str:
    return f"{service}.{snake_case(rpc)}"


class JobStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._submitting: list[tuple[tuple[Any, ...], asyncio.Future[asyncpg.Record]]] = []
        self._inserting = False
        self._insert_tasks: set[asyncio.Task[None]] = set()

    # -- transitions ---------------------------------------------------------------------------

    async def submit(
        self,
        conn: Db,
        *,
        owner_id: uuid.UUID,
        service: str,
        rpc: str,
        request: Message,
        parameters: dict[str, Any],
        priority: int,
        job_id: uuid.UUID | None = None,
        project_id: uuid.UUID | None = None,
        step_id: str | None = None,
        webhook_url: str | None = None,
        webhook_events: list[str] | None = None,
        estimated_usd: float | None = None,
    ) -> asyncpg.Record:
        """Store a queued job (the caller wakes the dispatcher once its transaction commits).

        `estimated_usd` is what it reserves of its owner's budget until it ends (None: not priced).
        Outside a caller's transaction (`conn` is the pool), jobs submitted while an earlier insert is
        under way are stored together, in one statement: under load a request waits for one commit
        shared with its neighbours instead of queueing for a connection and a commit of its own.
        """
        values = (
            job_id or uuid.uuid4(),
            owner_id,
            project_id,
            step_id,
            job_type(service, rpc),
            service,
            rpc,
            priority,
            parameters,
            request.SerializeToString(),
            webhook_url,
            webhook_events or None,
            estimated_usd,
        )
        if conn is not self.pool:
            return await self._insert_one(conn, values)
        submitted: asyncio.Future[asyncpg.Record] = asyncio.get_running_loop().create_future()
        self._submitting.append((values, submitted))
        if not self._inserting:
            self._inserting = True
            task = asyncio.create_task(self._insert_submitted())
            self._insert_tasks.add(task)
            task.add_done_callback(self._insert_tasks.discard)
        return await submitted

    @staticmethod
    async def _insert_one(conn: Db, values: tuple[Any, ...]) -> asyncpg.Record:
        row = await conn.fetchrow(_SUBMIT, *values)
        assert row is not None
        return row

    async def _insert_submitted(self) -> None:
        """Insert what has been submitted until nothing more waits; each waiter gets its row or its error."""
        try:
            while self._submitting:
                batch, self._submitting = self._submitting, []
                await self._insert_batch(batch)
        finally:
            self._inserting = False

    async def _insert_batch(self, batch: list[tuple[tuple[Any, ...], asyncio.Future[asyncpg.Record]]]) -> None:
        try:
            if len(batch) == 1:
                rows = [await self._insert_one(self.pool, batch[0][0])]
            else:
                columns = list(zip(*(values for values, _ in batch), strict=True))
                columns[8] = tuple(msgspec.json.encode(p).decode() for p in columns[8])
                columns[11] = tuple(None if e is None else msgspec.json.encode(e).decode() for e in columns[11])
                by_id = {row["id"]: row for row in await self.pool.fetch(_SUBMIT_ALL, *map(list, columns))}
                rows = [by_id[values[0]] for values, _ in batch]
        except asyncpg.PostgresError as error:
            if len(batch) > 1:  # one job's problem (its project deleted meanwhile) is its own: each alone
                await asyncio.gather(*(self._insert_batch([entry]) for entry in batch))
            else:
                _settle_failed(batch, error)
            return
        except Exception as error:  # noqa: BLE001 - the database unreachable: every waiter gets the error
            _settle_failed(batch, error)
            return
        except BaseException as error:  # shutting down
            _settle_failed(batch, error)
            raise
        for (_, submitted), row in zip(batch, rows, strict=True):
            if not submitted.done():
                submitted.set_result(row)

    async def dispatch(self, caps: dict[str, int], total_cap: int, lock_id: int, publish: Publish) -> tuple[int, int]:
        """Mark the queued jobs the caps allow `submitted` and publish each, in one transaction; return
        how many were handed over and how many stay queued (held back by the caps).

        `caps` are per-service limits on submitted + running jobs, `total_cap` the limit across
        services (0 = none). Rows come back with the dispatch count they had, so `publish` sends
        dispatch number count + 1; a publish that fails rolls the whole sweep back.
        """
        services = list(caps)
        async with self.pool.acquire() as conn:
            # BEGIN and the lock in one round trip (a sweep runs for every few jobs under load).
            await conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock({int(lock_id)})")
            try:
                handed, queued = await self._hand_over(conn, services, caps, total_cap, publish)
            except Exception:
                with contextlib.suppress(Exception):  # a broken connection is dropped by the pool instead
                    await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
        return handed, queued

    @staticmethod
    async def _hand_over(
        conn: asyncpg.Connection, services: list[str], caps: dict[str, int], total_cap: int, publish: Publish
    ) -> tuple[int, int]:
        """Inside the dispatch transaction: mark what the caps allow submitted and publish it."""
        rows = await conn.fetch(
            "WITH active AS ("
            "  SELECT service, count(*)::int AS n FROM generation_jobs "
            "  WHERE status IN ('submitted', 'running') GROUP BY service"
            "), free AS ("
            "  SELECT c.service, GREATEST(c.cap - COALESCE(a.n, 0), 0) AS n "
            "  FROM unnest($1::text[], $2::int[]) AS c(service, cap) LEFT JOIN active a USING (service)"
            "), chosen AS ("
            "  SELECT q.id, q.dispatch_count, q.priority, q.created_at FROM free f CROSS JOIN LATERAL ("
            "    SELECT id, dispatch_count, priority, created_at FROM generation_jobs "
            "    WHERE status = 'queued' AND service = f.service ORDER BY priority DESC, created_at LIMIT f.n "
            "    FOR UPDATE SKIP LOCKED) q "
            "  ORDER BY q.priority DESC, q.created_at "
            "  LIMIT CASE WHEN $3 > 0 THEN GREATEST($3 - (SELECT COALESCE(sum(n), 0) FROM active), 0) END"
            "), handed AS ("
            "  UPDATE generation_jobs g SET status = 'submitted', dispatch_count = g.dispatch_count + 1, "
            "    submitted_at = now(), updated_at = now() FROM chosen WHERE g.id = chosen.id "
            "  RETURNING g.id, g.owner_id, g.service, g.rpc, g.payload, chosen.dispatch_count"
            "), queued AS (SELECT count(*)::int AS n FROM generation_jobs WHERE status = 'queued') "
            # One row even when nothing was handed over, carrying the queue before this sweep.
            "SELECT handed.*, queued.n AS queued FROM queued LEFT JOIN handed ON true",
            services,
            [caps[service] for service in services],
            total_cap,
        )
        handed = [row for row in rows if row["id"] is not None]
        await asyncio.gather(*(publish(row) for row in handed))
        return len(handed), rows[0]["queued"] - len(handed)

    @staticmethod
    async def _live_update(
        conn: Db, sql: str, job_id: uuid.UUID, dispatch: int, *args: Any, tried: bool = False
    ) -> asyncpg.Record | None:
        """Run a conditional event UPDATE ... RETURNING; the row, or None when the event is stale.

        A row that is still `queued` with an older dispatch count may belong to a dispatcher that has
        published but not committed: its row lock is waited for, and the update tried again.
        `tried`: the caller already ran the update (in a batch) and it matched nothing.
        """
        if not tried:
            row = await conn.fetchrow(sql, job_id, dispatch, *args)
            if row is not None:
                return row
        current = await conn.fetchrow(
            "SELECT dispatch_count, status FROM generation_jobs WHERE id = $1 FOR UPDATE", job_id
        )
        if current is None or current["dispatch_count"] != dispatch or current["status"] not in LIVE:
            return None
        log.debug("job %s: an event waited for its dispatch to commit", job_id)
        return await conn.fetchrow(sql, job_id, dispatch, *args)

    async def start(self, job_id: uuid.UUID, dispatch: int, at: datetime, attempt: int) -> bool:
        async with self.pool.acquire() as conn:
            row = await self._live_update(conn, _START, job_id, dispatch, at, attempt)
        return row is not None

    async def start_all(self, starts: Sequence[Start]) -> set[uuid.UUID]:
        """`start` for many jobs in one statement; the ids whose event counted (stale ones are left out)."""
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(
                _START_ALL,
                [s.job_id for s in starts],
                [s.dispatch for s in starts],
                [s.at for s in starts],
                [s.attempt for s in starts],
            )
            started = {row["id"] for row in rows}
            for s in starts:
                if s.job_id not in started and await self._live_update(
                    conn, _START, s.job_id, s.dispatch, s.at, s.attempt, tried=True
                ):
                    started.add(s.job_id)
        return started

    async def progress(self, job_id: uuid.UUID, dispatch: int, fraction: float, stage: str) -> bool:
        async with self.pool.acquire() as conn:
            row = await self._live_update(
                conn,
                "UPDATE generation_jobs SET status = 'running', progress = $3, stage = $4, updated_at = now() "
                f"WHERE {_LIVE_ROW} RETURNING id",
                job_id,
                dispatch,
                fraction,
                stage,
            )
        return row is not None

    async def complete(
        self,
        conn: asyncpg.Connection,
        job_id: uuid.UUID,
        dispatch: int,
        *,
        result: dict[str, Any],
        result_any: bytes,
        at: datetime,
        started_at: datetime | None = None,
        attempts: int = 1,
        cost: dict[str, Any] | None = None,
    ) -> asyncpg.Record | None:
        """The completed row, or None when the event was stale (its effects then do not run).

        `cost` is the job's studio.v1.Cost as protojson (None: the service reported none); its
        `usd` is recorded apart, for budgets and sums.
        """
        return await self._live_update(
            conn, _COMPLETE, job_id, dispatch, result, result_any, at, started_at, attempts, cost, _usd(cost)
        )

    async def complete_all(
        self, conn: asyncpg.Connection, completions: Sequence[Completion]
    ) -> dict[uuid.UUID, asyncpg.Record]:
        """`complete` for many jobs in one statement: the completed rows by job id (stale events have none)."""
        rows = await conn.fetch(
            _COMPLETE_ALL,
            [c.job_id for c in completions],
            [c.dispatch for c in completions],
            [msgspec.json.encode(c.result).decode() for c in completions],
            [c.result_any for c in completions],
            [c.at for c in completions],
            [c.started_at for c in completions],
            [c.attempts for c in completions],
            [None if c.cost is None else msgspec.json.encode(c.cost).decode() for c in completions],
            [_usd(c.cost) for c in completions],
        )
        completed = {row["id"]: row for row in rows}
        for c in completions:
            if c.job_id not in completed:
                row = await self._live_update(
                    conn,
                    _COMPLETE,
                    c.job_id,
                    c.dispatch,
                    c.result,
                    c.result_any,
                    c.at,
                    c.started_at,
                    c.attempts,
                    c.cost,
                    _usd(c.cost),
                    tried=True,
                )
                if row is not None:
                    completed[c.job_id] = row
        return completed

    async def fail(
        self,
        conn: asyncpg.Connection,
        job_id: uuid.UUID,
        dispatch: int,
        *,
        status: str,
        error_code: str,
        message: str,
        at: datetime,
        attempts: int,
        started_at: datetime | None = None,
    ) -> asyncpg.Record | None:
        """The failed (or worker-cancelled) row, or None when the event was stale."""
        return await self._live_update(
            conn,
            "UPDATE generation_jobs SET status = $3, error_code = $4, error_message = $5, completed_at = $6, "
            " started_at = COALESCE(started_at, $8), attempts = GREATEST(attempts, $7), updated_at = now() "
            f"WHERE {_LIVE_ROW} RETURNING {JOB_COLUMNS}",
            job_id,
            dispatch,
            status,
            error_code,
            message,
            at,
            attempts,
            started_at,
        )

    async def lock_unfinished(self, conn: asyncpg.Connection, owner_id: uuid.UUID, job_id: uuid.UUID) -> asyncpg.Record:
        """The row (status, dispatch_count), locked for a cancel; NotFound for another owner's."""
        row = await conn.fetchrow(
            "SELECT status, dispatch_count FROM generation_jobs WHERE id = $1 AND owner_id = $2 FOR UPDATE",
            job_id,
            owner_id,
        )
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return row

    async def cancel(self, conn: asyncpg.Connection, job_id: uuid.UUID, message: str) -> asyncpg.Record:
        row = await conn.fetchrow(
            "UPDATE generation_jobs SET status = 'cancelled', error_code = 'cancelled', error_message = $2, "
            f" completed_at = now(), updated_at = now() WHERE id = $1 RETURNING {JOB_COLUMNS}",
            job_id,
            message,
        )
        assert row is not None
        return row

    async def lock_to_cancel(
        self,
        conn: asyncpg.Connection,
        owner_id: uuid.UUID,
        *,
        statuses: list[str],
        type_: str | None = None,
        project_id: uuid.UUID | None = None,
    ) -> list[asyncpg.Record]:
        """The owner's unfinished jobs matching the filter (id, status, dispatch_count), locked in id order.

        A job that ends while this waits for its lock no longer matches and is left alone.
        """
        return list(
            await conn.fetch(
                "SELECT id, status, dispatch_count FROM generation_jobs "
                "WHERE owner_id = $1 AND status = ANY($2::text[]) AND ($3::text IS NULL OR type = $3) "
                " AND ($4::uuid IS NULL OR project_id = $4) "
                "ORDER BY id FOR UPDATE",
                owner_id,
                statuses,
                type_,
                project_id,
            )
        )

    async def cancel_many(
        self, conn: asyncpg.Connection, job_ids: list[uuid.UUID], message: str
    ) -> list[asyncpg.Record]:
        """Cancel rows locked by `lock_to_cancel`, in one statement."""
        return list(
            await conn.fetch(
                "UPDATE generation_jobs SET status = 'cancelled', error_code = 'cancelled', error_message = $2, "
                f" completed_at = now(), updated_at = now() WHERE id = ANY($1::uuid[]) RETURNING {JOB_COLUMNS}",
                job_ids,
                message,
            )
        )

    async def retry(self, conn: asyncpg.Connection, job_id: uuid.UUID) -> asyncpg.Record:
        """A new queued job with the same request, priority, callback and estimate (what it reserves of a
        budget) as `job_id`, pointing back at it."""
        row = await conn.fetchrow(
            "INSERT INTO generation_jobs (id, owner_id, project_id, type, service, rpc, priority, parameters, payload, "
            " webhook_url, webhook_events, estimated_usd, retry_of) "
            "SELECT $2, owner_id, project_id, type, service, rpc, priority, parameters, payload, webhook_url, "
            f" webhook_events, estimated_usd, id FROM generation_jobs WHERE id = $1 RETURNING {JOB_COLUMNS}",
            job_id,
            uuid.uuid4(),
        )
        assert row is not None
        return row

    async def requeue(self, conn: asyncpg.Connection, job_id: uuid.UUID) -> asyncpg.Record:
        """A failed or cancelled job queued again as new (its next dispatch gets a new message id)."""
        row = await conn.fetchrow(
            "UPDATE generation_jobs SET status = 'queued', error_code = NULL, error_message = NULL, "
            " progress = 0, stage = '', result = NULL, result_any = NULL, started_at = NULL, cost = NULL, "
            " cost_usd = NULL, "
            f" completed_at = NULL, updated_at = now() WHERE id = $1 RETURNING {JOB_COLUMNS}",
            job_id,
        )
        assert row is not None
        return row

    # -- reads ---------------------------------------------------------------------------------

    async def get(self, owner_id: uuid.UUID, job_id: uuid.UUID, conn: Db | None = None) -> asyncpg.Record:
        row = await (conn or self.pool).fetchrow(
            f"SELECT {JOB_COLUMNS} FROM generation_jobs WHERE id = $1 AND owner_id = $2", job_id, owner_id
        )
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return row

    async def find(self, job_id: uuid.UUID, conn: Db | None = None, *, lock: bool = False) -> asyncpg.Record | None:
        """Any owner's job (production steps, whose ids are derived), optionally locked for update."""
        return await (conn or self.pool).fetchrow(
            f"SELECT {JOB_COLUMNS} FROM generation_jobs WHERE id = $1" + (" FOR UPDATE" if lock else ""), job_id
        )

    async def state(self, owner_id: uuid.UUID, job_id: uuid.UUID) -> tuple[str, float, str]:
        """(status, progress, stage): what a waiter polls for."""
        row = await self.pool.fetchrow(
            "SELECT status, progress, stage FROM generation_jobs WHERE id = $1 AND owner_id = $2", job_id, owner_id
        )
        if row is None:
            raise NotFound(f"job {job_id} not found")
        return row["status"], round(float(row["progress"]), 4), row["stage"]

    async def page(
        self,
        owner_id: uuid.UUID,
        *,
        statuses: Sequence[str] | None = None,
        types: Sequence[str] = (),
        project_id: uuid.UUID | None = None,
        text: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        conn: Db | None = None,
    ) -> tuple[list[asyncpg.Record], int]:
        """One page of the owner's jobs, newest first, and how many match in all.

        `text` matches, case-insensitively, the prompt, text, description, instruction or title the
        job was asked with (its parameters' fields of those names; a production step's title is its
        screenplay's).
        """
        clauses = ["owner_id = $1"]
        args: list[Any] = [owner_id]

        def where(sql: str, value: Any) -> None:
            args.append(value)
            clauses.append(sql.replace("?", f"${len(args)}"))

        if statuses:
            where("status = ANY(?::text[])", list(statuses))
        if types:
            where("type = ANY(?::text[])", list(types))
        if project_id is not None:
            where("project_id = ?", project_id)
        if created_after is not None:
            where("created_at >= ?", created_after)
        if created_before is not None:
            where("created_at <= ?", created_before)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where("concat_ws(' ', " + ", ".join(f"parameters->>'{f}'" for f in SEARCHED) + ") ILIKE ?", pattern)
        filtered = " AND ".join(clauses)
        args += [limit, offset]
        rows = await (conn or self.pool).fetch(
            f"SELECT {JOB_COLUMNS}, count(*) OVER () AS total FROM generation_jobs WHERE {filtered} "
            f"ORDER BY created_at DESC, id LIMIT ${len(args) - 1} OFFSET ${len(args)}",
            *args,
        )
        if rows:
            return list(rows), int(rows[0]["total"])
        # Past the last page: the count still tells the pager how many there are.
        total = await (conn or self.pool).fetchval(f"SELECT count(*) FROM generation_jobs WHERE {filtered}", *args[:-2])
        return [], int(total)

    async def delete_finished(self, conn: asyncpg.Connection, owner_id: uuid.UUID, job_id: uuid.UUID) -> None:
        """Delete a finished job that is not a production step (its assets' rows go with it, by cascade:
        the caller reads their keys first). NotFound for another owner's; FailedPrecondition otherwise."""
        row = await conn.fetchrow(
            "SELECT status, project_id, step_id FROM generation_jobs WHERE id = $1 AND owner_id = $2 FOR UPDATE",
            job_id,
            owner_id,
        )
        if row is None:
            raise NotFound(f"job {job_id} not found")
        if row["step_id"] is not None:
            raise FailedPrecondition(
                f"job {job_id} is a step of project {row['project_id']}'s production; delete the project instead"
            )
        if row["status"] not in TERMINAL:
            raise FailedPrecondition(f"job {job_id} is {row['status']}; cancel it first, then delete it")
        await conn.execute("DELETE FROM generation_jobs WHERE id = $1", job_id)

    async def unfinished_using(self, conn: Db, owner_id: uuid.UUID, key: str) -> uuid.UUID | None:
        """An unfinished job of the owner whose request names this artifact key (as an input), if any."""
        found: uuid.UUID | None = await conn.fetchval(
            "SELECT id FROM generation_jobs WHERE owner_id = $1 AND status NOT IN ('completed', 'failed', 'cancelled') "
            "AND strpos(parameters::text, $2) > 0 LIMIT 1",
            owner_id,
            json.dumps(key)[1:-1],
        )
        return found

    async def snapshot(self, owner_id: uuid.UUID, finished: int) -> list[asyncpg.Record]:
        """Every unfinished job of the owner plus its `finished` most recently ended ones, newest first."""
        return list(
            await self.pool.fetch(
                f"SELECT {JOB_COLUMNS} FROM ("
                f"  (SELECT {JOB_COLUMNS} FROM generation_jobs WHERE owner_id = $1 "
                "    AND status IN ('queued', 'submitted', 'running')) "
                f"  UNION ALL (SELECT {JOB_COLUMNS} FROM generation_jobs WHERE owner_id = $1 "
                "    AND status IN ('completed', 'failed', 'cancelled') ORDER BY completed_at DESC NULLS LAST LIMIT $2)"
                ") j ORDER BY created_at DESC, id",
                owner_id,
                finished,
            )
        )

    async def of_ids(self, owner_id: uuid.UUID, job_ids: list[uuid.UUID]) -> list[asyncpg.Record]:
        """The owner's jobs among `job_ids` (others' and deleted ones are left out), in no particular order."""
        return list(
            await self.pool.fetch(
                f"SELECT {JOB_COLUMNS} FROM generation_jobs WHERE owner_id = $1 AND id = ANY($2::uuid[])",
                owner_id,
                job_ids,
            )
        )

    async def of_project(self, owner_id: uuid.UUID, project_id: uuid.UUID, conn: Db | None = None) -> list[Any]:
        """A project's jobs, oldest first."""
        return list(
            await (conn or self.pool).fetch(
                f"SELECT {JOB_COLUMNS} FROM generation_jobs WHERE project_id = $1 AND owner_id = $2 "
                "ORDER BY created_at",
                project_id,
                owner_id,
            )
        )

    async def result_any(self, job_id: uuid.UUID, job_type_: str | None = None) -> bytes | None:
        """A completed job's exact result (a serialized Any), optionally only for one job type."""
        value: bytes | None = await self.pool.fetchval(
            "SELECT result_any FROM generation_jobs WHERE id = $1 AND ($2::text IS NULL OR type = $2)",
            job_id,
            job_type_,
        )
        return value

    async def queued_by_service(self) -> dict[str, int]:
        """Jobs waiting in Postgres for a free slot, per service (the gateway's queue depth)."""
        rows = await self.pool.fetch(
            "SELECT service, count(*) AS n FROM generation_jobs WHERE status = 'queued' GROUP BY service"
        )
        return {row["service"]: row["n"] for row in rows}

    async def completed_steps(self, project_ids: list[uuid.UUID], conn: Db | None = None) -> dict[uuid.UUID, set[str]]:
        """The step ids each project has a completed job for."""
        rows = await (conn or self.pool).fetch(
            "SELECT project_id, array_agg(step_id) AS steps FROM generation_jobs "
            "WHERE project_id = ANY($1::uuid[]) AND status = 'completed' AND step_id IS NOT NULL GROUP BY project_id",
            project_ids,
        )
        return {row["project_id"]: set(row["steps"]) for row in rows}

    # -- costs ---------------------------------------------------------------------------------

    async def spent_since(self, conn: Db, owner_id: uuid.UUID, since: datetime) -> float:
        """What the owner's jobs completed since `since` cost."""
        value = await conn.fetchval(
            "SELECT COALESCE(sum(cost_usd), 0)::float8 FROM generation_jobs "
            "WHERE owner_id = $1 AND completed_at >= $2 AND cost_usd IS NOT NULL",
            owner_id,
            since,
        )
        return float(value)

    async def estimate_of(self, conn: Db, job_id: uuid.UUID) -> float:
        """What the job was estimated to cost at submission (0 when it was not priced)."""
        value = await conn.fetchval(
            "SELECT COALESCE(estimated_usd, 0)::float8 FROM generation_jobs WHERE id = $1", job_id
        )
        return float(value or 0)

    async def reserved(self, conn: Db, owner_id: uuid.UUID) -> float:
        """What the owner's unfinished jobs are estimated to cost."""
        value = await conn.fetchval(
            "SELECT COALESCE(sum(estimated_usd), 0)::float8 FROM generation_jobs "
            "WHERE owner_id = $1 AND status IN ('queued', 'submitted', 'running')",
            owner_id,
        )
        return float(value)

    async def project_costs(self, project_ids: list[uuid.UUID], conn: Db | None = None) -> dict[uuid.UUID, Any]:
        """Per project: (usd, estimated_usd, {provider: usd}) summed over its jobs."""
        rows = await (conn or self.pool).fetch(
            "SELECT project_id, COALESCE(sum(cost_usd), 0)::float8 AS usd, "
            " COALESCE(sum(estimated_usd), 0)::float8 AS estimated_usd FROM generation_jobs "
            "WHERE project_id = ANY($1::uuid[]) GROUP BY project_id",
            project_ids,
        )
        providers = await (conn or self.pool).fetch(
            "SELECT j.project_id, item->>'provider' AS provider, sum((item->>'usd')::float8) AS usd "
            "FROM generation_jobs j, jsonb_array_elements(COALESCE(j.cost->'items', '[]'::jsonb)) AS item "
            "WHERE j.project_id = ANY($1::uuid[]) GROUP BY j.project_id, item->>'provider'",
            project_ids,
        )
        by_provider: dict[uuid.UUID, dict[str, float]] = {}
        for row in providers:
            by_provider.setdefault(row["project_id"], {})[row["provider"] or "local"] = float(row["usd"] or 0.0)
        return {
            row["project_id"]: (row["usd"], row["estimated_usd"], by_provider.get(row["project_id"], {}))
            for row in rows
        }
