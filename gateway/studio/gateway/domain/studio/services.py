"""Projects: creation, reading (with their jobs and assets), and starting a production."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from studio.core.errors import InvalidInput, NotFound
from studio.gateway.context import Gateway
from studio.gateway.domain.assets.services import asset_out
from studio.gateway.domain.jobs.services import JOB_COLUMNS, job_assets, job_out, parse_uuid
from studio.gateway.domain.studio.schemas import GenerateContentRequest, Project, ProjectDetail, ProjectLinks
from studio.gateway.errors import Conflict
from studio.gateway.links import link

PROJECT_COLUMNS = (
    "p.id, p.name, p.type, p.status, p.error, p.result, p.created_at, p.updated_at, "
    "jsonb_array_length(p.steps) AS steps_total, "
    "(SELECT count(*) FROM generation_jobs j WHERE j.project_id = p.id AND j.status = 'completed' "
    "  AND j.step_id IN (SELECT s->>'id' FROM jsonb_array_elements(p.steps) s)) AS steps_completed"
)


def project_out(gateway: Gateway, row: asyncpg.Record) -> Project:
    project_id = str(row["id"])
    return Project(
        id=project_id,
        name=row["name"],
        type=row["type"],
        status=row["status"],
        error=row["error"],
        steps_total=row["steps_total"],
        steps_completed=row["steps_completed"],
        result=row["result"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        links=ProjectLinks(
            self_=link(gateway, f"/api/v1/studio/projects/{project_id}"),
            jobs=link(gateway, f"/api/v1/jobs?project_id={project_id}"),
            assets=link(gateway, f"/api/v1/assets?project_id={project_id}"),
        ),
    )


async def fetch_project(
    conn: asyncpg.Connection | asyncpg.Pool, owner_id: uuid.UUID, project_id: uuid.UUID
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.id = $1 AND p.owner_id = $2", project_id, owner_id
    )
    if row is None:
        raise NotFound(f"project {project_id} not found")
    return row


async def create_project(gateway: Gateway, owner_id: uuid.UUID, name: str, type_: str) -> Project:
    row = await gateway.pool.fetchrow(
        "INSERT INTO projects (owner_id, name, type) VALUES ($1, $2, $3) RETURNING id", owner_id, name.strip(), type_
    )
    assert row is not None
    return project_out(gateway, await fetch_project(gateway.pool, owner_id, row["id"]))


async def list_projects(gateway: Gateway, owner_id: uuid.UUID, limit: int, offset: int) -> list[Project]:
    rows = await gateway.pool.fetch(
        f"SELECT {PROJECT_COLUMNS} FROM projects p WHERE p.owner_id = $1 ORDER BY p.created_at DESC, p.id "
        "LIMIT $2 OFFSET $3",
        owner_id,
        limit,
        offset,
    )
    return [project_out(gateway, row) for row in rows]


async def project_detail(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID) -> ProjectDetail:
    async with gateway.pool.acquire() as conn:
        row = await fetch_project(conn, owner_id, project_id)
        steps = await conn.fetchval("SELECT steps FROM projects WHERE id = $1", project_id)
        jobs = await conn.fetch(
            f"SELECT {JOB_COLUMNS} FROM generation_jobs WHERE project_id = $1 AND owner_id = $2 ORDER BY created_at",
            project_id,
            owner_id,
        )
        assets_by_job = await job_assets(conn, [job["id"] for job in jobs])
        assets = await conn.fetch(
            "SELECT * FROM media_assets WHERE project_id = $1 AND owner_id = $2 ORDER BY created_at",
            project_id,
            owner_id,
        )
    job_of_step = {job["step_id"]: str(job["id"]) for job in jobs if job["step_id"]}
    return ProjectDetail(
        project=project_out(gateway, row),
        steps=[{**step, "job_id": job_of_step.get(step.get("id"))} for step in steps or []],
        jobs=[job_out(gateway, job, assets_by_job[job["id"]]) for job in jobs],
        assets=[asset_out(gateway, asset) for asset in assets],
    )


def screenplay_data(data: GenerateContentRequest) -> dict[str, Any]:
    """The screenplay of a request as plain data (validated later by the pipeline's own loader)."""
    if (data.screenplay is None) == (data.screenplay_yaml is None):
        raise InvalidInput("give the screenplay as `screenplay` (JSON) or `screenplay_yaml` (text), exactly one")
    if data.screenplay is not None:
        return data.screenplay
    from studio.pipeline.screenplay import parse_screenplay_text

    return parse_screenplay_text(data.screenplay_yaml or "").to_data()


async def start_production(gateway: Gateway, owner_id: uuid.UUID, data: GenerateContentRequest) -> uuid.UUID:
    """Validate the screenplay and its media, mark the project running, and hand it to the runner."""
    from studio.gateway.production.resolver import resolve_for_owner

    project_id = parse_uuid(data.project_id, "project")
    await fetch_project(gateway.pool, owner_id, project_id)
    screenplay = screenplay_data(data)
    await resolve_for_owner(gateway, owner_id, screenplay)  # bad screenplays and media fail here, with 400
    updated = await gateway.pool.fetchval(
        "UPDATE projects SET status = 'running', screenplay = $3, error = NULL, updated_at = now() "
        "WHERE id = $1 AND owner_id = $2 AND status <> 'running' RETURNING id",
        project_id,
        owner_id,
        screenplay,
    )
    if updated is None:
        raise Conflict(f"project {project_id} is already being produced; wait for it to finish")
    gateway.runner.start(project_id)
    return project_id
