"""What clients see of a project: its state, step counts, and (in detail) its jobs and assets."""

from __future__ import annotations

import uuid
from typing import Any

from studio.gateway.context import Gateway
from studio.gateway.domain.studio.schemas import Project, ProjectDetail, ProjectLinks
from studio.gateway.jobs.views import asset_out, jobs_out
from studio.gateway.links import link


def project_out(gateway: Gateway, row: Any, completed_steps: set[str]) -> Project:
    project_id = str(row["id"])
    steps = row["steps"] or []
    return Project(
        id=project_id,
        name=row["name"],
        type=row["type"],
        status=row["status"],
        error=row["error"],
        steps_total=len(steps),
        steps_completed=sum(1 for step in steps if step.get("id") in completed_steps),
        result=row["result"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        links=ProjectLinks(
            self_=link(gateway, f"/api/v1/studio/projects/{project_id}"),
            jobs=link(gateway, f"/api/v1/jobs?project_id={project_id}"),
            assets=link(gateway, f"/api/v1/assets?project_id={project_id}"),
        ),
    )


async def projects_out(gateway: Gateway, rows: list[Any]) -> list[Project]:
    completed = await gateway.jobs.completed_steps([row["id"] for row in rows])
    return [project_out(gateway, row, completed.get(row["id"], set())) for row in rows]


async def load_project(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID) -> Project:
    return (await projects_out(gateway, [await gateway.projects.get(owner_id, project_id)]))[0]


async def project_detail(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID) -> ProjectDetail:
    row = await gateway.projects.get(owner_id, project_id)
    jobs = await gateway.jobs.of_project(owner_id, project_id)
    assets = await gateway.assets.of_project(owner_id, project_id)
    job_of_step = {job["step_id"]: str(job["id"]) for job in jobs if job["step_id"]}
    completed = {job["step_id"] for job in jobs if job["step_id"] and job["status"] == "completed"}
    return ProjectDetail(
        project=project_out(gateway, row, completed),
        steps=[{**step, "job_id": job_of_step.get(step.get("id"))} for step in row["steps"] or []],
        jobs=await jobs_out(gateway, jobs),
        assets=[asset_out(gateway, asset) for asset in assets],
    )
