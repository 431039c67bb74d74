"""Progress of a whole production, as events a CLI, a gateway or a test can follow."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

EventKind = Literal["planned", "started", "progress", "finished", "failed"]


@dataclass(frozen=True)
class StepInfo:
    """A step as shown to people: its resume id, readable name and label."""

    id: str
    #: "narration:3"
    name: str
    service: str
    rpc: str
    label: str
    #: Ids of the steps it waits for.
    depends_on: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductionEvent:
    kind: EventKind
    #: The step concerned (None for "planned").
    step: StepInfo | None = None
    #: Every step of the production ("planned" only), dependencies first.
    steps: tuple[StepInfo, ...] = ()
    fraction: float = 0.0
    stage: str = ""
    #: The step's result message ("finished").
    result: Any = None
    #: What went wrong ("failed").
    error: str = ""


EventSink = Callable[[ProductionEvent], Awaitable[None] | None]


async def emit(sink: EventSink | None, event: ProductionEvent) -> None:
    """Deliver an event to a sync or async sink."""
    if sink is None:
        return
    outcome = sink(event)
    if inspect.isawaitable(outcome):
        await outcome
