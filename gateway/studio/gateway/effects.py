"""Effects of a job's end that belong to other resources, registered by job type at assembly.

A voice turns ready when its registration job completes; webhooks are queued when any job
ends. The events consumer and cancel run them inside the transaction that makes the row
terminal, so they commit with the status or not at all; none of them is imported by the
job code: `server.assemble` registers each one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
from google.protobuf.message import Message

#: (connection in the terminal transaction, the terminal job row, its result if it completed)
Effect = Callable[[asyncpg.Connection, asyncpg.Record, Message | None], Awaitable[None]]


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

    async def run(self, conn: asyncpg.Connection, job: asyncpg.Record, result: Message | None) -> None:
        for effect in (*self._by_type.get(job["type"], ()), *self._every):
            await effect(conn, job, result)
