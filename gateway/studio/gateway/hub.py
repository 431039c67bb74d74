"""In-process fan-out of job events to the requests waiting on them (Prefer: wait, SSE).

The events consumer publishes here after it has written the event to Postgres, so a
woken waiter always reads the updated row. Waiters also poll the row now and then:
with several gateway replicas the event may have been consumed by another one.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

QUEUE_LIMIT = 256


@dataclass(frozen=True)
class HubEvent:
    job_id: uuid.UUID
    #: started | progress | completed | failed | cancelled
    kind: str
    fraction: float = 0.0
    stage: str = ""
    message: str = ""
    #: A terminal event's job row and its asset rows, as committed: a waiter in this process
    #: answers from them without reading the row again.
    job: Any = None
    assets: tuple[Any, ...] = field(default=())

    @property
    def terminal(self) -> bool:
        return self.kind in ("completed", "failed", "cancelled")


class EventHub:
    def __init__(self) -> None:
        self._subscribers: dict[uuid.UUID, set[asyncio.Queue[HubEvent]]] = {}

    @contextmanager
    def subscribe(self, job_id: uuid.UUID) -> Iterator[asyncio.Queue[HubEvent]]:
        queue: asyncio.Queue[HubEvent] = asyncio.Queue(QUEUE_LIMIT)
        self._subscribers.setdefault(job_id, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self._subscribers.get(job_id)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    del self._subscribers[job_id]

    def publish(self, event: HubEvent) -> None:
        for queue in self._subscribers.get(event.job_id, ()):
            if queue.full():  # a slow reader loses old progress, never the terminal event
                queue.get_nowait()
            queue.put_nowait(event)


class TenantWakers:
    """Wakes a tenant's event streams in this process when any process changed one of its jobs.

    The change itself is read from `job_changes` (Postgres); this only says "look now", so a
    missed wake-up costs a poll interval, never an event. The listener
    (`background/job_changes.py`) calls `wake` for each NOTIFY it receives.
    """

    def __init__(self) -> None:
        self._subscribers: dict[uuid.UUID, set[asyncio.Event]] = {}

    @contextmanager
    def subscribe(self, owner_id: uuid.UUID) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._subscribers.setdefault(owner_id, set()).add(event)
        try:
            yield event
        finally:
            subscribers = self._subscribers.get(owner_id)
            if subscribers is not None:
                subscribers.discard(event)
                if not subscribers:
                    del self._subscribers[owner_id]

    def wake(self, owner_id: uuid.UUID) -> None:
        for event in self._subscribers.get(owner_id, ()):
            event.set()

    def wake_all(self) -> None:
        """After the listener reconnects: a NOTIFY may have been missed meanwhile."""
        for subscribers in self._subscribers.values():
            for event in subscribers:
                event.set()
