"""Embedded steps in local worker processes, so the services' CPU-bound Python runs in parallel.

In one process every step shares one interpreter lock: drafts, Ken Burns frames
and puppet frames would take turns however many steps run at once. Here each
worker process builds and loads the services once (over the same local artifact
directory) and runs the very same operation handlers; requests and results
cross as serialized messages, progress through a queue. Still no servers, no
NATS, no database: only the wiring differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import os
import resource
import threading
import time
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import ConfigError, StudioError
from studio.core.registry import service_spec
from studio.pipeline.steps import Step
from studio.v1 import audio_pb2, composer_pb2, image_pb2, video_pb2  # noqa: F401 - registers the message types
from studio.v1.common_pb2 import Progress

#: Set in each worker process by `_start_worker`.
_worker: dict[str, Any] = {}


def _message(type_name: str, payload: bytes) -> Message:
    cls = message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(type_name))
    message: Message = cls.FromString(payload)
    return message


def _exit_with_parent(parent: int) -> None:
    """A worker whose parent is gone (killed without a chance to stop its pool) stops too."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _start_worker(root: str, bucket: str, services: tuple[str, ...], progress: Any, parent: int) -> None:
    """Worker initializer: build and load the services once, keep one event loop for every step."""
    threading.Thread(target=_exit_with_parent, args=(parent,), name="studio-parent-watch", daemon=True).start()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    _worker.update(loop=loop, progress=progress, clients={})
    try:
        store = LocalArtifactStore(Path(root), bucket)
        definitions = [service_spec(name).load_factory()(store) for name in services]
        loop.run_until_complete(asyncio.gather(*(d.load() for d in definitions if d.load is not None)))
    except Exception as error:  # noqa: BLE001 - reported to the parent by _ping, as one line
        _worker["error"] = error.message if isinstance(error, StudioError) else f"{type(error).__name__}: {error}"
        return
    _worker["clients"] = {d.name: EmbeddedClient(d, store) for d in definitions}


def _ping() -> str:
    """Empty when the worker loaded the services, else what went wrong."""
    return str(_worker.get("error", ""))


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _run_step(token: int, service: str, rpc: str, type_name: str, payload: bytes) -> tuple[str, bytes, float]:
    """Run one operation in this worker; the result travels back serialized, with the CPU seconds it took."""

    async def on_progress(progress: Progress) -> None:
        _worker["progress"].put((token, progress.fraction, progress.stage))

    started = _cpu_seconds()
    call = _worker["clients"][service].call(rpc, _message(type_name, payload), on_progress)
    result: Message = _worker["loop"].run_until_complete(call)
    return result.DESCRIPTOR.full_name, result.SerializeToString(), _cpu_seconds() - started


class ProcessExecutor:
    """Runs each step's operation in one of `workers` local processes."""

    def __init__(self, pool: ProcessPoolExecutor, progress: Any) -> None:
        self.pool = pool
        self.progress = progress
        self._tokens = itertools.count()
        self._steps: dict[int, Step] = {}
        self._reports: set[asyncio.Future[None]] = set()
        #: CPU seconds each step took in its worker (this process's own accounting cannot see them).
        self.cpu_seconds: dict[str, float] = {}
        self._loop = asyncio.get_running_loop()
        self._reader = threading.Thread(target=self._read_progress, name="studio-worker-progress", daemon=True)
        self._reader.start()

    @classmethod
    @asynccontextmanager
    async def open(
        cls, store: LocalArtifactStore, workers: int, services: Iterable[str]
    ) -> AsyncIterator[ProcessExecutor]:
        """Start the workers (each loads the services) and wait until they are ready."""
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads
        progress = context.Queue()
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(str(store.root), store.bucket, tuple(services), progress, os.getpid()),
        )
        executor = cls(pool, progress)
        try:
            loop = asyncio.get_running_loop()
            problems = await asyncio.gather(*(loop.run_in_executor(pool, _ping) for _ in range(workers)))
            if any(problems):
                raise ConfigError(f"the services did not load: {next(p for p in problems if p)}")
            yield executor
        except BrokenProcessPool:
            raise StudioError("an embedded worker process could not start; run with --workers 0 to see why") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            progress.put(None)
            executor._reader.join(5)
            progress.close()

    def _read_progress(self) -> None:
        while (item := self.progress.get()) is not None:
            token, fraction, stage = item
            with contextlib.suppress(RuntimeError):  # the loop closed while a late update was in flight
                self._loop.call_soon_threadsafe(self._report, token, fraction, stage)

    def _report(self, token: int, fraction: float, stage: str) -> None:
        step = self._steps.get(token)
        if step is not None and step.progress is not None:
            task = asyncio.ensure_future(step.report(Progress(fraction=fraction, stage=stage)))
            self._reports.add(task)
            task.add_done_callback(self._reports.discard)

    async def run(self, step: Step) -> Any:
        token = next(self._tokens)
        self._steps[token] = step
        payload = step.request.SerializeToString()
        try:
            type_name, result, cpu = await self._loop.run_in_executor(
                self.pool, _run_step, token, step.service, step.rpc, step.request.DESCRIPTOR.full_name, payload
            )
        except BrokenProcessPool:
            raise StudioError(f"the worker process running {step.id} died (out of memory?)") from None
        finally:
            self._steps.pop(token, None)
        self.cpu_seconds[step.id] = cpu
        return _message(type_name, result)
