"""The seam between the production pipeline and whatever runs its steps.

The pipeline turns a screenplay into a DAG of `Step`s whose ids are stable
(derived from the screenplay, e.g. "portrait:luna", "narration:3"). An executor
runs one step and returns its result message. Embedded mode runs steps
in-process; the gateway persists each step as a job keyed by (project, step id)
and returns the stored result for steps that already finished, so re-running
the pipeline after a restart resumes it without redoing finished work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from google.protobuf.message import Message


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


class StepExecutor(Protocol):
    async def run(self, step: Step) -> Any:
        """Run (or recall) the step; return its result message (e.g. SynthesizeResult)."""
        ...
