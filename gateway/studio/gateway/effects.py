"""Effects of a job's or a production's end that belong to other resources, registered at assembly.

A voice turns ready when its registration job completes; webhooks are queued when any job
or production ends. The events consumer, cancel and the production runner run them inside
the transaction that makes the row terminal, so they commit with the status or not at all;
none of them is imported by the job or production code: `server.assemble` registers each one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import asyncpg
from google.protobuf.message import Message

#: A job's end: the terminal job row, and its result if it completed.
Outcome = tuple[asyncpg.Record, Message | None]
#: (connection in the terminal transaction, the jobs that ended in it): the events consumer records
#: a batch of ends in one transaction, so an effect sees them together and can act in one query.
Effect = Callable[[asyncpg.Connection, Sequence[Outcome]], Awaitable[None]]
#: (connection in the terminal transaction, the project row that just turned completed or failed)
ProductionEffect = Callable[[asyncpg.Connection, asyncpg.Record], Awaitable[None]]


class OutcomeEffects:
    def __init__(self) -> None:
        self._by_type: dict[str, list[Effect]] = {}
        self._every: list[Effect] = []

    def on(self, job_type: str, effect: Effect) -> None:
        """Run `effect` when a job of this type ("audio.register_voice") ends, whatever its status."""
        self._by_type.setdefault(job_type, []).append(effect)

    def on_every(self, effect: Effect) -> None:
        """Run `effect` when any job ends."""
        self._every.append(effect)

    async def run(self, conn: asyncpg.Connection, outcomes: Sequence[Outcome]) -> None:
        """Each effect once for the outcomes it is registered for (a job type's effects, then every job's)."""
        for job_type, effects in self._by_type.items():
            of_type = [outcome for outcome in outcomes if outcome[0]["type"] == job_type]
            for effect in effects if of_type else ():
                await effect(conn, of_type)
        for effect in self._every if outcomes else ():
            await effect(conn, outcomes)


class ProductionEffects:
    def __init__(self) -> None:
        self._effects: list[ProductionEffect] = []

    def on_end(self, effect: ProductionEffect) -> None:
        """Run `effect` when a production ends (completed or failed)."""
        self._effects.append(effect)

    async def run(self, conn: asyncpg.Connection, project: asyncpg.Record) -> None:
        for effect in self._effects:
            await effect(conn, project)
