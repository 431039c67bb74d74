"""Creating, reading, waiting for and cancelling jobs.

A job is written to Postgres first (status `queued`) and only then handed to
JetStream by the dispatcher, so an accepted job survives a crash at any point.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg
from google.protobuf.message import Message

from studio.core.errors import NotFound, StudioError, from_error_code
from studio.core.operations import snake_case
from studio.gateway.context import Gateway
from studio.gateway.domain.assets.services import asset_out
from studio.gateway.domain.jobs.schemas import Job, JobError, JobLinks, WebhookRequest
from studio.gateway.errors import Conflict
from studio.gateway.links import link
from studio.gateway.protojson import to_json
from studio.v1 import common_pb2

TERMINAL = ("completed", "failed", "cancelled")
ACTIVE = ("submitted", "running")
#: How often a waiter re-reads the row when no event wakes it (other replicas' events).
POLL_SECONDS = 1.0

JOB_COLUMNS = (
    "id, owner_id, project_id, step_id, type, service, rpc, status, priority, parameters, result, "
    "error_code, error_message, progress, stage, attempts, dispatch_count, created_at, started_at, completed_at"
)


#: "invalid_argument" -> ERROR_CODE_INVALID_ARGUMENT: how error codes are stored in generation_jobs.error_code.
ERROR_CODES = {name.removeprefix("ERROR_CODE_").lower(): number for name, number in common_pb2.ErrorCode.items()}


def error_code_name(code: int) -> str:
    return common_pb2.ErrorCode.Name(code).removeprefix("ERROR_CODE_").lower()  # type: ignore[arg-type]


def job_error(row: asyncpg.Record) -> StudioError:
    """The studio error a failed (or cancelled) job stands for."""
    code = ERROR_CODES.get(row["error_code"] or "", common_pb2.ERROR_CODE_INTERNAL)
    return from_error_code(code, row["error_message"] or f"job {row['id']} {row['status']}")


def job_type(service: str, rpc: str) -> str:
    return f"{service}.{snake_case(rpc)}"


def parse_uuid(value: str, what: str = "job") -> uuid.UUID:
    """A path id; anything that is not a UUID is simply not found."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError):
        raise NotFound(f"{what} {value!r} not found") from None


async def insert_job(
    conn: asyncpg.Connection | asyncpg.Pool,
    gateway: Gateway,
    *,
    owner_id: uuid.UUID,
    service: str,
    rpc: str,
    request: Message,
    job_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    step_id: str | None = None,
    webhook: WebhookRequest | None = None,
) -> asyncpg.Record:
    """Store a queued job (the caller wakes the dispatcher once its transaction commits)."""
    row = await conn.fetchrow(
        "INSERT INTO generation_jobs (id, owner_id, project_id, step_id, type, service, rpc, priority, parameters, "
        " payload, webhook_url, webhook_events) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
        f"RETURNING {JOB_COLUMNS}",
        job_id or uuid.uuid4(),
        owner_id,
        project_id,
        step_id,
        job_type(service, rpc),
        service,
        rpc,
        gateway.settings.priority(service, job_type(service, rpc)),
        to_json(request),
        request.SerializeToString(),
        webhook.url if webhook else None,
        (webhook.events or None) if webhook else None,
    )
    assert row is not None
    return row


async def fetch_job(conn: asyncpg.Connection | asyncpg.Pool, owner_id: uuid.UUID, job_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {JOB_COLUMNS} FROM generation_jobs WHERE id = $1 AND owner_id = $2", job_id, owner_id
    )
    if row is None:
        raise NotFound(f"job {job_id} not found")
    return row


async def job_assets(
    conn: asyncpg.Connection | asyncpg.Pool, job_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[asyncpg.Record]]:
    by_job: dict[uuid.UUID, list[asyncpg.Record]] = {job_id: [] for job_id in job_ids}
    if job_ids:
        rows = await conn.fetch(
            "SELECT * FROM media_assets WHERE job_id = ANY($1::uuid[]) ORDER BY created_at, role", list(job_ids)
        )
        for row in rows:
            by_job[row["job_id"]].append(row)
    return by_job


def job_out(gateway: Gateway, row: asyncpg.Record, assets: Sequence[asyncpg.Record] = ()) -> Job:
    job_id = str(row["id"])
    error = None
    if row["error_code"] or row["error_message"]:
        error = JobError(code=row["error_code"] or "internal", message=row["error_message"] or "")
    return Job(
        id=job_id,
        type=row["type"],
        status=row["status"],
        progress=round(float(row["progress"]), 4),
        stage=row["stage"],
        project_id=str(row["project_id"]) if row["project_id"] else None,
        step_id=row["step_id"],
        parameters=row["parameters"] or {},
        result=row["result"],
        error=error,
        attempts=row["attempts"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        completed_at=row["completed_at"],
        assets=[asset_out(gateway, asset) for asset in assets],
        links=JobLinks(
            self_=link(gateway, f"/api/v1/jobs/{job_id}"),
            events=link(gateway, f"/api/v1/jobs/{job_id}/events"),
            cancel=link(gateway, f"/api/v1/jobs/{job_id}/cancel"),
        ),
    )


async def load_job(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    async with gateway.pool.acquire() as conn:
        row = await fetch_job(conn, owner_id, job_id)
        assets = await job_assets(conn, [job_id])
    return job_out(gateway, row, assets[job_id])


async def list_jobs(
    gateway: Gateway,
    owner_id: uuid.UUID,
    *,
    status: str | None,
    type_: str | None,
    project_id: uuid.UUID | None,
    limit: int,
    offset: int,
) -> list[Job]:
    clauses = ["owner_id = $1"]
    args: list[Any] = [owner_id]
    for column, value in (("status", status), ("type", type_), ("project_id", project_id)):
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    args += [limit, offset]
    async with gateway.pool.acquire() as conn:
        rows = await conn.fetch(
            f"SELECT {JOB_COLUMNS} FROM generation_jobs WHERE {' AND '.join(clauses)} "
            f"ORDER BY created_at DESC, id LIMIT ${len(args) - 1} OFFSET ${len(args)}",
            *args,
        )
        assets = await job_assets(conn, [row["id"] for row in rows])
    return [job_out(gateway, row, assets[row["id"]]) for row in rows]


async def wait_for_job(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID, timeout: float) -> asyncpg.Record:
    """The job's row once it is terminal, or as it is when `timeout` runs out."""
    deadline = time.monotonic() + timeout
    with gateway.hub.subscribe(job_id) as events:
        row = await fetch_job(gateway.pool, owner_id, job_id)
        while row["status"] not in TERMINAL:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                event = await asyncio.wait_for(events.get(), min(remaining, POLL_SECONDS))
                if not event.terminal:
                    continue
            except TimeoutError:
                pass
            row = await fetch_job(gateway.pool, owner_id, job_id)
    return row


async def cancel_job(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """Cancel a job that has not finished: at once if still queued here, via the cancel bucket otherwise."""
    from studio.gateway.domain.jobs.outcomes import announce_outcome, record_outcome

    async with gateway.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            "SELECT status, dispatch_count FROM generation_jobs WHERE id = $1 AND owner_id = $2 FOR UPDATE",
            job_id,
            owner_id,
        )
        if row is None:
            raise NotFound(f"job {job_id} not found")
        if row["status"] in TERMINAL:
            raise Conflict(f"job {job_id} is already {row['status']}; only unfinished jobs can be cancelled")
        if row["status"] != "queued":
            # Workers check the bucket before starting and while running; the row turns
            # `cancelled` now, and the worker's own `failed(CANCELLED)` event changes nothing.
            await gateway.transport.cancel(submission_id(job_id, row["dispatch_count"]))
        await conn.execute(
            "UPDATE generation_jobs SET status = 'cancelled', error_code = 'cancelled', "
            " error_message = 'cancelled by its owner', completed_at = now(), updated_at = now() WHERE id = $1",
            job_id,
        )
        cancelled = await conn.fetchrow(f"SELECT {JOB_COLUMNS} FROM generation_jobs WHERE id = $1", job_id)
        assert cancelled is not None
        await record_outcome(conn, gateway, cancelled, None)
    announce_outcome(gateway, cancelled)


def submission_id(job_id: uuid.UUID, dispatch_count: int) -> str:
    """The JetStream message (and event) id of a job's n-th dispatch: stable, so re-publishing is deduplicated."""
    return job_id.hex if dispatch_count <= 1 else f"{job_id.hex}-r{dispatch_count}"


def parse_submission_id(value: str) -> tuple[uuid.UUID, int] | None:
    hex_part, _, rest = value.partition("-r")
    try:
        job_id = uuid.UUID(hex=hex_part)
    except ValueError:
        return None
    if not rest:
        return job_id, 1
    return (job_id, int(rest)) if rest.isdigit() else None


async def check_project(
    conn: asyncpg.Connection | asyncpg.Pool, owner_id: uuid.UUID, project_id: str | None
) -> uuid.UUID | None:
    """The caller's project named in a request (None when none is named); another tenant's is not found."""
    if project_id is None:
        return None
    project_uuid = parse_uuid(project_id, "project")
    found = await conn.fetchval("SELECT id FROM projects WHERE id = $1 AND owner_id = $2", project_uuid, owner_id)
    if found is None:
        raise NotFound(f"project {project_id} not found")
    return project_uuid


async def submit_job(
    gateway: Gateway,
    owner_id: uuid.UUID,
    service: str,
    rpc: str,
    request: Message,
    *,
    project_id: str | None = None,
    webhook: WebhookRequest | None = None,
) -> uuid.UUID:
    """Validate the job's surroundings (project, webhook), store it queued and wake the dispatcher."""
    from studio.gateway.domain.webhooks.targets import check_target

    if webhook is not None:
        await check_target(webhook.url, gateway.settings.allow_private_webhooks)
    async with gateway.pool.acquire() as conn:
        project = await check_project(conn, owner_id, project_id)
        row = await insert_job(
            conn,
            gateway,
            owner_id=owner_id,
            service=service,
            rpc=rpc,
            request=request,
            project_id=project,
            webhook=webhook,
        )
    gateway.dispatch_waker.wake()
    job_id: uuid.UUID = row["id"]
    return job_id
