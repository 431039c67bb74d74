"""Render a screenplay to files on this machine (embedded mode): OUT.mp4 with .srt, .vtt and a poster beside it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from studio.core.artifacts.local import LocalArtifactStore
from studio.pipeline.embedded import PRODUCTION_SERVICES, EmbeddedExecutor, LocalMediaResolver
from studio.pipeline.events import EventSink
from studio.pipeline.film import FilmFiles, RenderedFilm, for_output
from studio.pipeline.journal import JournalExecutor
from studio.pipeline.media import resolve_media
from studio.pipeline.production import produce
from studio.pipeline.screenplay import Screenplay
from studio.pipeline.steps import StepExecutor
from studio.pipeline.workers import ProcessExecutor


@asynccontextmanager
async def _work_dir(work_dir: Path | None) -> AsyncIterator[Path]:
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        yield Path(work_dir)
        return
    with tempfile.TemporaryDirectory(prefix="studio-render-") as tmp:
        yield Path(tmp)


def default_workers() -> int:
    """One worker process per CPU (up to 4); none on a single CPU, where they would only add start-up."""
    cpus = os.cpu_count() or 1
    return min(cpus, 4) if cpus > 1 else 0


@asynccontextmanager
async def open_executor(store: LocalArtifactStore, workers: int) -> AsyncIterator[StepExecutor]:
    """The embedded services: in `workers` local processes, or in this one (workers=0)."""
    if workers > 0:
        async with ProcessExecutor.open(store, workers, PRODUCTION_SERVICES) as pool:
            yield pool
    else:
        async with EmbeddedExecutor.open(store) as embedded:
            yield embedded


async def render_embedded(
    screenplay: Screenplay,
    out: Path,
    *,
    on_event: EventSink | None = None,
    work_dir: Path | None = None,
    serial: bool = False,
    workers: int | None = None,
) -> RenderedFilm:
    """Produce the film on this machine and write it (and its sidecars) beside `out`.

    Intermediate artifacts live in `work_dir` when given (with a journal of finished
    steps, so rerunning an interrupted render resumes), else in a temporary folder
    removed afterwards. Steps run in `workers` local processes (default: one per
    CPU; 0 = in this process). `serial` runs one step at a time (for comparison).
    """
    screenplay = for_output(screenplay, out)
    files = FilmFiles.beside(out)
    async with _work_dir(work_dir) as root:
        store = LocalArtifactStore(root / "artifacts")
        await store.check()
        resolved = await resolve_media(screenplay, LocalMediaResolver(store))
        async with open_executor(store, default_workers() if workers is None else workers) as embedded:
            executor: StepExecutor = embedded
            if work_dir is not None:
                executor = JournalExecutor(executor, root / "journal")
            if serial:
                from studio.pipeline.steps import SerialExecutor

                executor = SerialExecutor(executor)
            result = await produce(resolved, executor, on_event)
        files.video.parent.mkdir(parents=True, exist_ok=True)
        await store.download(result.video, files.video)
        for ref, path in ((result.srt, files.srt), (result.vtt, files.vtt), (result.poster, files.poster)):
            if ref.key:
                await store.download(ref, path)
            else:
                path.unlink(missing_ok=True)  # a stale sidecar from an earlier render would mislead
    return RenderedFilm(files, result)
