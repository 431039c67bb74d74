"""Runs projects' productions in the gateway, and resumes the unfinished ones at start-up.

A project being produced is `running` in Postgres; a restart finds it there and runs
`produce()` again, which recalls finished steps from their jobs instead of redoing
them. A per-project advisory lock keeps two gateway replicas from running one project.
A production asked for with a briefing starts with the director writing its screenplay,
which is kept with the project at once, so a resumed production never writes it again.
The production's end and its effects (webhooks) commit in one transaction.

Each production is a version of the project. Its planned steps carry the version that made each
step's result (a step an earlier version planned too is recalled from that version's job) and the
scene it belongs to, so a re-render shows which scenes were made anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any

from studio.core.errors import StudioError
from studio.gateway.context import Gateway
from studio.gateway.db.pool import connect
from studio.gateway.production.executor import JobStepExecutor
from studio.gateway.production.resolver import resolve_for_owner
from studio.gateway.production.views import step_scene
from studio.gateway.protojson import to_json
from studio.pipeline.director import Briefing, write_screenplay
from studio.pipeline.events import ProductionEvent
from studio.pipeline.production import produce

log = logging.getLogger(__name__)


def _lock_key(project_id: uuid.UUID) -> int:
    return project_id.int & 0x7FFF_FFFF_FFFF_FFFF


class ProjectRunner:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    def start(self, project_id: uuid.UUID) -> None:
        task = self._tasks.get(project_id)
        if task is not None and not task.done():
            return
        task = asyncio.create_task(self._run(project_id), name=f"project-{project_id}")
        self._tasks[project_id] = task
        task.add_done_callback(
            lambda _: self._tasks.pop(project_id, None) if self._tasks.get(project_id) is task else None
        )

    async def resume_all(self) -> int:
        running = await self.gateway.projects.running()
        for project_id in running:
            log.info("resuming production of project %s", project_id)
            self.start(project_id)
        return len(running)

    async def stop(self) -> None:
        """Stop productions (they stay `running` and resume at the next start)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task

    async def wait_idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _run(self, project_id: uuid.UUID) -> None:
        lock = await connect(self.gateway.settings.database_url)
        try:
            if not await lock.fetchval("SELECT pg_try_advisory_lock($1)", _lock_key(project_id)):
                log.info("project %s is produced by another gateway", project_id)
                return
            await self._produce(project_id)
        finally:
            with contextlib.suppress(Exception):
                await lock.close()

    async def _produce(self, project_id: uuid.UUID) -> None:
        row = await self.gateway.projects.production(project_id)
        if row is None:
            return
        owner_id: uuid.UUID = row["owner_id"]
        version: int = row["version"] or 1
        earlier = await self.gateway.projects.step_versions(project_id, version)
        try:
            screenplay = row["screenplay"] or await self._direct(project_id, row["briefing"])
            resolved = await resolve_for_owner(self.gateway, owner_id, screenplay)
            executor = JobStepExecutor(self.gateway, owner_id, project_id)
            result = await produce(
                resolved, executor, on_event=lambda event: self._on_event(project_id, event, version, earlier)
            )
        except StudioError as error:
            await self._finish(project_id, "failed", error=error.message)
            return
        except Exception as error:
            log.exception("production of project %s failed", project_id)
            await self._finish(project_id, "failed", error=f"internal error: {type(error).__name__}; see gateway logs")
            return
        await self._finish(project_id, "completed", result=to_json(result))
        log.info("project %s produced", project_id)

    async def _direct(self, project_id: uuid.UUID, briefing: dict[str, Any]) -> dict[str, Any]:
        """The director's screenplay for the briefing, kept with the project before anything is produced."""
        written = await write_screenplay(Briefing(**briefing), self.gateway.settings.director)
        screenplay = written.to_data()
        await self.gateway.projects.written(project_id, screenplay)
        return screenplay

    async def _finish(
        self, project_id: uuid.UUID, status: str, *, error: str | None = None, result: Any = None
    ) -> None:
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            row = await self.gateway.projects.finish(conn, project_id, status, error=error, result=result)
            if row is not None:
                await self.gateway.production_effects.run(conn, row)
        self.gateway.webhook_waker.wake()

    async def _on_event(
        self, project_id: uuid.UUID, event: ProductionEvent, version: int, earlier: dict[str, int]
    ) -> None:
        if event.kind == "planned":
            steps = [
                {
                    "id": s.id,
                    "name": s.name,
                    "service": s.service,
                    "rpc": s.rpc,
                    "label": s.label,
                    "depends_on": list(s.depends_on),
                    "version": earlier.get(s.id, version),
                    "scene": step_scene(s.name),
                }
                for s in event.steps
            ]
            await self.gateway.projects.plan(project_id, steps)
