"""What clients see of a job and its assets (the REST view of generation_jobs and media_assets rows)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from studio.gateway.context import Gateway
from studio.gateway.jobs.schemas import Asset, AssetLinks, Job, JobError, JobLinks, cost_out
from studio.gateway.links import link


def asset_out(gateway: Gateway, row: Any) -> Asset:
    asset_id = str(row["id"])
    return Asset(
        id=asset_id,
        type=row["type"],
        role=row["role"],
        content_type=row["content_type"],
        size=row["size"],
        sha256=row["sha256"],
        job_id=str(row["job_id"]) if row["job_id"] else None,
        project_id=str(row["project_id"]) if row["project_id"] else None,
        metadata=row["metadata"] or {},
        created_at=row["created_at"],
        links=AssetLinks(
            self_=link(gateway, f"/api/v1/assets/{asset_id}"),
            download=link(gateway, f"/api/v1/assets/{asset_id}/download"),
        ),
    )


def job_out(gateway: Gateway, row: Any, assets: Sequence[Any] = ()) -> Job:
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
        retry_of=str(row["retry_of"]) if row.get("retry_of") else None,
        cost=cost_out(row["cost"]),
    )


async def load_job(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> Job:
    async with gateway.pool.acquire() as conn:
        row = await gateway.jobs.get(owner_id, job_id, conn)
        assets = await gateway.assets.of_jobs([job_id], conn)
    return job_out(gateway, row, assets[job_id])


async def jobs_out(gateway: Gateway, rows: Sequence[Any]) -> list[Job]:
    """Many jobs with their assets (two queries, however many jobs)."""
    assets = await gateway.assets.of_jobs([row["id"] for row in rows])
    return [job_out(gateway, row, assets[row["id"]]) for row in rows]
