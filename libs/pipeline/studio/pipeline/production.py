"""Running a screenplay's production DAG on a StepExecutor.

Every step starts as soon as the steps it needs have finished, so independent
work (portraits, frames, narration, music) runs concurrently across services.
What runs a step (in-process, or a persisted job on a gateway) is the
executor's business; this module only orders, builds and reports.
"""

from __future__ import annotations

import asyncio
from typing import Any

from studio.core.errors import StudioError
from studio.pipeline.events import EventSink, ProductionEvent, StepInfo, emit
from studio.pipeline.media import ResolvedScreenplay, require_resolved
from studio.pipeline.plan import Call, Node, plan_production
from studio.pipeline.screenplay import Screenplay
from studio.pipeline.steps import Step, StepExecutor
from studio.v1.common_pb2 import Progress
from studio.v1.composer_pb2 import ComposeResult


def step_infos(nodes: list[Node]) -> tuple[StepInfo, ...]:
    ids = {node.name: node.id for node in nodes}
    return tuple(StepInfo(n.id, n.name, n.service, n.rpc, n.label, tuple(ids[d] for d in n.depends_on)) for n in nodes)


def plan_steps(screenplay: Screenplay | ResolvedScreenplay) -> tuple[StepInfo, ...]:
    """The steps `produce` will run, without running them (ids are the resume keys)."""
    return step_infos(plan_production(require_resolved(screenplay)))


async def produce(
    screenplay: Screenplay | ResolvedScreenplay,
    executor: StepExecutor,
    on_event: EventSink | None = None,
    *,
    concurrency: int | None = None,
) -> ComposeResult:
    """Render a screenplay: run every step on `executor`, return the composed film.

    `screenplay` must have its media resolved (`studio.pipeline.media.resolve_media`)
    unless it names no media files. `concurrency` caps steps in flight (None: no cap).
    A failing step stops the production: no further step starts, but steps already
    running finish (a provider job in flight is paid for; its result is kept for a
    resume), then the first failure is raised as a StudioError naming the step.
    """
    nodes = plan_production(require_resolved(screenplay))
    infos = {info.name: info for info in step_infos(nodes)}
    await emit(on_event, ProductionEvent("planned", steps=tuple(infos.values())))
    results: dict[str, Any] = {}
    tasks: dict[str, asyncio.Task[Any]] = {}
    failures: list[BaseException] = []
    limit = asyncio.Semaphore(concurrency) if concurrency else None

    async def run_node(node: Node) -> Any:
        for dependency in node.depends_on:
            await tasks[dependency]
        if failures:
            raise _NotStarted(node.name)
        info = infos[node.name]

        async def on_progress(progress: Progress) -> None:
            await emit(on_event, ProductionEvent("progress", info, fraction=progress.fraction, stage=progress.stage))

        built = node.build(results)
        rpc, request = (built.rpc, built.request) if isinstance(built, Call) else (node.rpc, built)
        step = Step(node.id, node.service, rpc, request, info.depends_on, node.label, on_progress)
        try:
            if limit is not None:
                async with limit:
                    if failures:
                        raise _NotStarted(node.name)
                    await emit(on_event, ProductionEvent("started", info))
                    result = await executor.run(step)
            else:
                await emit(on_event, ProductionEvent("started", info))
                result = await executor.run(step)
        except _NotStarted:
            raise
        except StudioError as error:
            await emit(on_event, ProductionEvent("failed", info, error=error.message))
            failure = type(error)(f"{node.label}: {error.message}")
            failures.append(failure)
            raise failure from error
        except Exception as error:
            await emit(on_event, ProductionEvent("failed", info, error=str(error) or type(error).__name__))
            failures.append(error)
            raise
        results[node.name] = result
        await emit(on_event, ProductionEvent("finished", info, fraction=1.0, result=result))
        return result

    for node in nodes:
        tasks[node.name] = asyncio.create_task(run_node(node), name=node.id)
    try:
        await asyncio.gather(*tasks.values(), return_exceptions=True)
    finally:
        for task in tasks.values():  # cancelled from outside: stop every step
            task.cancel()
    if failures:
        raise failures[0]
    final: ComposeResult = results["compose"]
    return final


class _NotStarted(Exception):
    """A step skipped because another one failed (or one it needs did)."""
