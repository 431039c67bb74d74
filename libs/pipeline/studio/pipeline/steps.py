"""The seam between the production pipeline and whatever runs its steps.

The pipeline turns a screenplay into a DAG of `Step`s whose ids are stable
(derived from the screenplay, e.g. "portrait:luna@3fa2b1c0", "narration:3@9e01d2aa":
kind, name, and a digest of everything the step's request is made from, so an
edited scene gets new ids for what it changes and keeps the rest). An executor
runs one step and returns its result message. Embedded mode runs steps
in-process; the gateway persists each step as a job keyed by (project, step id)
and returns the stored result for steps that already finished, so re-running
the pipeline after a restart resumes it without redoing finished work.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

from google.protobuf.message import Message

from studio.core.operations import ProgressSink
from studio.v1.common_pb2 import Progress


@dataclass(frozen=True)
class Step:
    #: Stable across runs of the same screenplay: the resume key.
    id: str
    #: "audio" | "image" | "video" | "composer"
    service: str
    #: RPC name in the proto service, e.g. "Synthesize".
    rpc: str
    request: Message
    #: Ids of steps whose results this request was built from (for display and ordering).
    depends_on: tuple[str, ...] = field(default=())
    #: Human label for progress bars: "Portrait of Luna".
    label: str = ""
    #: Where an executor may report the step's progress (optional; executors that can't, don't).
    progress: ProgressSink | None = field(default=None, compare=False, repr=False)

    async def report(self, progress: Progress) -> None:
        if self.progress is not None:
            await self.progress(progress)


class StepExecutor(Protocol):
    async def run(self, step: Step) -> Any:
        """Run (or recall) the step; return its result message (e.g. SynthesizeResult)."""
        ...


class SerialExecutor:
    """Runs the steps of an inner executor strictly one after another.

    The reference orchestrator of the brief works this way; the benchmark uses
    it to measure what the DAG's concurrency buys.
    """

    def __init__(self, inner: StepExecutor) -> None:
        self.inner = inner
        self._lock = asyncio.Lock()

    async def run(self, step: Step) -> Any:
        async with self._lock:
            return await self.inner.run(step)
