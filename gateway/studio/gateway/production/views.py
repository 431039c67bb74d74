"""The REST view of `projects` rows: state and step counts (detail views add jobs and assets)."""

from __future__ import annotations

import uuid
from typing import Any

from studio.gateway.context import Gateway
from studio.gateway.links import link
from studio.gateway.production.schemas import Project, ProjectCost, ProjectLinks, no_cost
from studio.gateway.store.base import Db

#: Step kinds that belong to one scene: "<kind>:<scene number>".
SCENE_STEPS = ("frame", "narration", "talk", "animate", "pictures")


def step_scene(name: str) -> int | None:
    """The scene (1-based) a step belongs to, from its name ("frame:3" -> 3); None for film-wide steps."""
    kind, _, number = name.partition(":")
    return int(number) if kind in SCENE_STEPS and number.isdigit() else None


def project_cost(sums: tuple[float, float, dict[str, float]] | None) -> ProjectCost:
    if sums is None:
        return no_cost()
    usd, estimated, by_provider = sums
    return ProjectCost(
        usd=round(usd, 6),
        estimated_usd=round(estimated, 6),
        by_provider={name: round(value, 6) for name, value in sorted(by_provider.items())},
    )


def project_out(gateway: Gateway, row: Any, completed_steps: set[str], cost: ProjectCost | None = None) -> Project:
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
        version=row["version"],
        links=ProjectLinks(
            self_=link(gateway, f"/api/v1/studio/projects/{project_id}"),
            jobs=link(gateway, f"/api/v1/jobs?project_id={project_id}"),
            assets=link(gateway, f"/api/v1/assets?project_id={project_id}"),
        ),
        cost=cost or no_cost(),
    )


async def projects_out(gateway: Gateway, rows: list[Any], conn: Db | None = None) -> list[Project]:
    ids = [row["id"] for row in rows]
    completed = await gateway.jobs.completed_steps(ids, conn)
    costs = await gateway.jobs.project_costs(ids, conn)
    return [
        project_out(gateway, row, completed.get(row["id"], set()), project_cost(costs.get(row["id"]))) for row in rows
    ]


async def load_project(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID) -> Project:
    return (await projects_out(gateway, [await gateway.projects.get(owner_id, project_id)]))[0]
