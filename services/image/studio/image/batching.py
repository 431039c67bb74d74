"""Dynamic batching: concurrent requests with the same key run as one call.

The first item for a key opens a short window (`window_s`); everything that
arrives for that key meanwhile joins it. While a batch runs, newcomers queue
and form the next batch, so batches grow with load instead of each request
paying its own pipeline call. Each item gets its own result (or exception).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
I = TypeVar("I")  # noqa: E741 - item
O = TypeVar("O")  # noqa: E741 - output

RunBatch = Callable[[K, list[I]], Awaitable[Sequence[O]]]


@dataclass
class _Pending(Generic[I, O]):
    item: I
    future: asyncio.Future[O]


@dataclass
class DynamicBatcher(Generic[K, I, O]):
    run: RunBatch[K, I, O]
    window_s: float = 0.02
    max_items: int = 4
    _queues: dict[K, list[_Pending[I, O]]] = field(default_factory=dict, init=False)
    _drains: dict[K, asyncio.Task[None]] = field(default_factory=dict, init=False)
    #: Sizes of the batches run so far (for tests, logs and benchmarks).
    batch_sizes: list[int] = field(default_factory=list, init=False)

    async def submit(self, key: K, items: Sequence[I]) -> list[O]:
        """Queue `items` under `key` and wait for their outputs, in order."""
        loop = asyncio.get_running_loop()
        pending = [_Pending[I, O](item, loop.create_future()) for item in items]
        self._queues.setdefault(key, []).extend(pending)
        if key not in self._drains:
            self._drains[key] = loop.create_task(self._drain(key))
        try:
            return list(await asyncio.gather(*(p.future for p in pending)))
        finally:
            for p in pending:  # a caller that gave up frees its queued items
                if not p.future.done():
                    p.future.cancel()

    async def _drain(self, key: K) -> None:
        try:
            if self.window_s > 0 and len(self._queues.get(key, ())) < self.max_items:
                await asyncio.sleep(self.window_s)
            while True:
                queue = [p for p in self._queues.get(key, []) if not p.future.done()]
                if not queue:
                    break
                batch, rest = queue[: self.max_items], queue[self.max_items :]
                self._queues[key] = rest
                await self._run(key, batch)
        finally:
            # No await since the queue was last seen empty, so nothing can have slipped in.
            self._drains.pop(key, None)
            for p in self._queues.pop(key, []):
                if not p.future.done():
                    p.future.cancel()

    async def _run(self, key: K, batch: list[_Pending[I, O]]) -> None:
        self.batch_sizes.append(len(batch))
        try:
            outputs = await self.run(key, [p.item for p in batch])
        except BaseException as error:
            for p in batch:
                if not p.future.done():
                    p.future.set_exception(error)
            if isinstance(error, asyncio.CancelledError):
                raise
            return
        if len(outputs) != len(batch):
            mismatch = RuntimeError(f"batch runner returned {len(outputs)} outputs for {len(batch)} items")
            for p in batch:
                if not p.future.done():
                    p.future.set_exception(mismatch)
            return
        for p, output in zip(batch, outputs, strict=True):
            if not p.future.done():
                p.future.set_result(output)
