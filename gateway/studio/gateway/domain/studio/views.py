"""What clients see of a project in detail: its state, planned steps, jobs and assets."""

from __future__ import annotations

import uuid

from studio.gateway.context import Gateway
from studio.gateway.domain.studio.schemas import ProjectDetail
from studio.gateway.jobs.views import asset_out, jobs_out
from studio.gateway.production.views import project_cost, project_out, step_scene


async def project_detail(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID) -> ProjectDetail:
    row = await gateway.projects.get(owner_id, project_id, content=True)
    jobs = await gateway.jobs.of_project(owner_id, project_id)
    assets = await gateway.assets.of_project(owner_id, project_id)
    job_of_step = {job["step_id"]: str(job["id"]) for job in jobs if job["step_id"]}
    completed = {job["step_id"] for job in jobs if job["step_id"] and job["status"] == "completed"}
    costs = await gateway.jobs.project_costs([project_id])
    return ProjectDetail(
        project=project_out(gateway, row, completed, project_cost(costs.get(project_id))),
        steps=[
            {
                # Steps planned before versions existed: version 1, scene from the name.
                "version": 1,
                "scene": step_scene(str(step.get("name", ""))),
                **step,
                "job_id": job_of_step.get(step.get("id")),
            }
            for step in row["steps"] or []
        ],
        jobs=await jobs_out(gateway, jobs),
        assets=[asset_out(gateway, asset) for asset in assets],
        screenplay=row["screenplay"],
        briefing=row["briefing"],
    )
