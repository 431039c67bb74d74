"""Render a screenplay through a gateway: upload its files, produce it in a project, follow, download.

The gateway runs the same pipeline (each step a persisted job), so a remote
render of a screenplay gives the same film as an embedded one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from studio.core.errors import StudioError
from studio.pipeline.events import EventSink, ProductionEvent, StepInfo, emit
from studio.pipeline.film import FilmFiles, for_output
from studio.pipeline.media import media_uses
from studio.pipeline.screenplay import Screenplay
from studio.sdk.client import AsyncStudioClient
from studio.sdk.types import ProjectDetail

_PART = re.compile(r"^(\w+)(?:\[(\d+)\])?$")


@dataclass(frozen=True)
class RemoteFilm:
    files: FilmFiles
    duration_seconds: float
    project_id: str


def set_field(data: dict[str, Any], where: str, value: str) -> None:
    """Set `data` at a field path such as "characters[0].portrait.image"."""
    node: Any = data
    parts = where.split(".")
    for index, part in enumerate(parts):
        match = _PART.match(part)
        assert match is not None, where
        name, position = match.group(1), match.group(2)
        if index == len(parts) - 1 and position is None:
            node[name] = value
            return
        node = node[name] if position is None else node[name][int(position)]


async def upload_media(client: AsyncStudioClient, screenplay: Screenplay, project_id: str) -> dict[str, Any]:
    """The screenplay as data with every local file uploaded and referenced as `asset:<id>`."""
    data = screenplay.to_data()
    uploaded: dict[str, str] = {}
    for use in media_uses(screenplay):
        if use.asset_id is not None:
            continue
        if use.reference not in uploaded:
            path = use.local_path(screenplay.base_dir)
            uploaded[use.reference] = (await client.upload_asset(path, project_id=project_id)).id
        set_field(data, use.field, f"asset:{uploaded[use.reference]}")
    return data


class ProjectFollower:
    """Turns successive project snapshots into the production events a progress display expects."""

    def __init__(self, on_event: EventSink | None) -> None:
        self.on_event = on_event
        self.infos: dict[str, StepInfo] = {}
        self.seen: dict[str, tuple[str, float]] = {}

    async def __call__(self, detail: ProjectDetail) -> None:
        if not self.infos and detail.steps:
            for step in detail.steps:
                self.infos[step.id] = StepInfo(step.id, step.name, step.service, "", step.label, step.depends_on)
            await emit(self.on_event, ProductionEvent("planned", steps=tuple(self.infos.values())))
        for step_id, info in self.infos.items():
            job = detail.job_of(step_id)
            if job is None:
                continue
            state = (job.status, job.progress)
            before = self.seen.get(step_id)
            if state == before:
                continue
            self.seen[step_id] = state
            if before is None and job.status not in ("queued", "submitted"):
                await emit(self.on_event, ProductionEvent("started", info))
            if job.status == "completed":
                await emit(self.on_event, ProductionEvent("finished", info, fraction=1.0, result=job.result))
            elif job.status in ("failed", "cancelled"):
                message = job.error.message if job.error else job.status
                await emit(self.on_event, ProductionEvent("failed", info, error=message))
            elif job.status == "running":
                if before is None or before[0] != "running":
                    await emit(self.on_event, ProductionEvent("started", info))
                await emit(self.on_event, ProductionEvent("progress", info, fraction=job.progress, stage=job.stage))


async def render_remote(
    server: str,
    key: str,
    screenplay: Screenplay,
    out: Path,
    *,
    on_event: EventSink | None = None,
    poll_interval: float = 0.5,
    transport: httpx.AsyncBaseTransport | None = None,
) -> RemoteFilm:
    """Produce `screenplay` on the gateway at `server` and download the film and its sidecars beside `out`."""
    screenplay = for_output(screenplay, out)
    files = FilmFiles.beside(out)
    async with AsyncStudioClient(server, key, poll_interval=poll_interval, transport=transport) as client:
        project = await client.create_project(screenplay.title, type="video")
        data = await upload_media(client, screenplay, project.id)
        await client.generate_content(project, data)
        detail = await client.wait_project(project, on_update=ProjectFollower(on_event))
        compose = next((s for s in detail.steps if s.name == "compose"), None)
        job = detail.job_of(compose.id) if compose is not None else None
        if job is None or job.asset("video") is None:
            raise StudioError(f"project {project.id} completed without a composed video")
        for role, path in (("video", files.video), ("srt", files.srt), ("vtt", files.vtt), ("poster", files.poster)):
            asset = job.asset(role)
            if asset is not None:
                await client.download(asset, path)
            else:
                path.unlink(missing_ok=True)
        duration = float((detail.project.result or job.result or {}).get("duration_seconds", 0.0))
    return RemoteFilm(files, duration, project.id)
