"""Project versions: list them, re-render chosen scenes as the next one, restore one, duplicate a project.

A re-render gives the chosen scenes' pictures new seeds in the screenplay (`Scene.seed`). The step
ids are digests of each step's inputs, so exactly those scenes' steps and what depends on them get
new ids and run; every other step keeps its id and is recalled from the job that made it.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.domain.studio.schemas import ProjectVersion
from studio.gateway.production.executor import step_job_id
from studio.gateway.production.resolver import resolve_for_owner

#: The composed film's roles among the final cut's assets.
FILM, SUBTITLES, POSTER = "video", ("vtt", "srt"), "poster"


async def final_assets(gateway: Gateway, project_id: uuid.UUID, steps: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The final cut's assets (by role) of a version's steps; empty when it has none yet."""
    compose = next((step for step in steps if step.get("name") == "compose"), None)
    if compose is None:
        return {}
    job_id = step_job_id(project_id, compose["id"])
    return {row["role"]: row for row in (await gateway.assets.of_jobs([job_id]))[job_id]}


async def version_out(gateway: Gateway, project_id: uuid.UUID, row: Any) -> ProjectVersion:
    film = await final_assets(gateway, project_id, row["steps"] or []) if row["status"] == "completed" else {}
    subtitles = next((film[role] for role in SUBTITLES if role in film), None)
    return ProjectVersion(
        number=row["number"],
        status=row["status"],
        scenes=list(row["scenes"]),
        created_at=row["created_at"],
        film_asset_id=str(film[FILM]["id"]) if FILM in film else None,
        subtitles_asset_id=str(subtitles["id"]) if subtitles is not None else None,
        poster_asset_id=str(film[POSTER]["id"]) if POSTER in film else None,
        current=bool(row["current"]),
        error=row["error"],
    )


async def list_versions(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID) -> list[ProjectVersion]:
    return [
        await version_out(gateway, project_id, row) for row in await gateway.projects.versions(owner_id, project_id)
    ]


def _reseeded(screenplay: dict[str, Any], scenes: list[int]) -> dict[str, Any]:
    """The screenplay with new picture seeds for these scenes (each differs from the one it had)."""
    changed = {**screenplay, "scenes": [dict(scene) for scene in screenplay["scenes"]]}
    for number in scenes:
        scene = changed["scenes"][number - 1]
        old = scene.get("seed")
        seed = secrets.randbelow(2**31)
        while seed == old:
            seed = secrets.randbelow(2**31)
        scene["seed"] = seed
    return changed


async def render(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID, scenes: list[int]) -> int:
    """Start the next version re-rendering `scenes` ([] = all) of the current one's screenplay; its number."""
    project = await gateway.projects.get(owner_id, project_id, content=True)
    if project["status"] == "running":
        raise FailedPrecondition(f"project {project_id} is being produced; wait for it to finish, then re-render")
    current = await gateway.projects.version(owner_id, project_id, project["version"]) if project["version"] else None
    screenplay = current["screenplay"] if current is not None else None
    if screenplay is None:
        raise FailedPrecondition(
            f"project {project_id} has no film yet; produce it first (POST /api/v1/studio/generate-content)"
        )
    count = len(screenplay.get("scenes") or [])
    wrong = sorted({number for number in scenes if number > count})
    if wrong:
        raise InvalidInput(f"scenes: {', '.join(map(str, wrong))} out of range; the film has scenes 1-{count}")
    chosen = sorted(set(scenes)) or list(range(1, count + 1))
    changed = _reseeded(screenplay, chosen)
    await resolve_for_owner(gateway, owner_id, changed)  # media deleted since: 400 before anything changes
    number = await gateway.projects.start(
        owner_id, project_id, screenplay=changed, briefing=project["briefing"], scenes=sorted(set(scenes))
    )
    if number is None:
        raise FailedPrecondition(f"project {project_id} is being produced; wait for it to finish, then re-render")
    assert gateway.productions is not None, "the assembly plugs in the production runner"
    gateway.productions.start(project_id)
    return number


async def restore(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID, number: int) -> None:
    async with gateway.pool.acquire() as conn, conn.transaction():
        await gateway.projects.restore(conn, owner_id, project_id, number)
