"""Reading Server-Sent Events in gateway tests, one block (event or comment) at a time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Block:
    event: str | None = None
    data: str | None = None
    id: str | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        assert self.data is not None, f"{self} has no data"
        return json.loads(self.data)


class EventReader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def _block(self) -> Block:
        block = Block()
        seen = False
        async for line in self._lines:
            if line == "":
                if seen:
                    return block
                continue
            seen = True
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                block.comments.append(value)
            elif name == "data":
                block.data = value if block.data is None else f"{block.data}\n{value}"
            elif name in ("event", "id"):
                setattr(block, name, value)
        raise EOFError("the stream ended")

    async def next(self, timeout: float = 15.0) -> Block:
        return await asyncio.wait_for(self._block(), timeout)

    async def next_event(self, timeout: float = 15.0) -> Block:
        """The next block that is an event (comments are skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                block = await self._block()
                if block.event is not None or block.data is not None:
                    return block

    async def until(self, predicate: Any, timeout: float = 20.0) -> list[Block]:
        """Events up to and including the first one `predicate` accepts."""
        seen: list[Block] = []
        async with asyncio.timeout(timeout):
            while True:
                block = await self.next_event(timeout)
                seen.append(block)
                if predicate(block):
                    return seen


@asynccontextmanager
async def stream(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> AsyncIterator[EventReader]:
    async with client.stream("GET", url, headers={"Accept": "text/event-stream", **(headers or {})}) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)
