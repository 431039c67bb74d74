"""Dynamic batching: one call for concurrent items, each caller its own results."""

from __future__ import annotations

import asyncio

import pytest

from studio.image.batching import DynamicBatcher


class Recorder:
    def __init__(self, delay: float = 0.0, fail_on: str = "") -> None:
        self.calls: list[tuple[str, list[int]]] = []
        self.delay = delay
        self.fail_on = fail_on

    async def __call__(self, key: str, items: list[int]) -> list[str]:
        self.calls.append((key, list(items)))
        await asyncio.sleep(self.delay)
        if key == self.fail_on:
            raise ValueError(f"{key} broke")
        return [f"{key}:{item}" for item in items]


async def test_concurrent_requests_share_one_call_and_keep_their_results() -> None:
    recorder = Recorder()
    batcher = DynamicBatcher(recorder, window_s=0.05, max_items=8)
    results = await asyncio.gather(batcher.submit("m", [1, 2]), batcher.submit("m", [3]), batcher.submit("m", [4]))
    assert results == [["m:1", "m:2"], ["m:3"], ["m:4"]]
    assert recorder.calls == [("m", [1, 2, 3, 4])]


async def test_keys_never_mix_and_batches_respect_the_maximum() -> None:
    recorder = Recorder()
    batcher = DynamicBatcher(recorder, window_s=0.02, max_items=2)
    results = await asyncio.gather(*(batcher.submit("a" if i % 2 else "b", [i]) for i in range(6)))
    assert results == [["b:0"], ["a:1"], ["b:2"], ["a:3"], ["b:4"], ["a:5"]]
    assert all(len(items) <= 2 for _, items in recorder.calls)
    assert {key for key, _ in recorder.calls} == {"a", "b"}
    assert sorted(batcher.batch_sizes) == [1, 1, 2, 2]


async def test_requests_arriving_during_a_run_form_the_next_batch() -> None:
    recorder = Recorder(delay=0.05)
    batcher = DynamicBatcher(recorder, window_s=0.0, max_items=8)
    first = asyncio.ensure_future(batcher.submit("m", [1]))
    await asyncio.sleep(0.01)  # the first batch is running now
    later = await asyncio.gather(batcher.submit("m", [2]), batcher.submit("m", [3]))
    assert await first == ["m:1"]
    assert later == [["m:2"], ["m:3"]]
    assert recorder.calls == [("m", [1]), ("m", [2, 3])]


async def test_a_failing_batch_fails_its_callers_only() -> None:
    recorder = Recorder(fail_on="bad")
    batcher = DynamicBatcher(recorder, window_s=0.01, max_items=4)
    bad = batcher.submit("bad", [1])
    good = batcher.submit("good", [2])
    outcomes = await asyncio.gather(bad, good, return_exceptions=True)
    assert isinstance(outcomes[0], ValueError)
    assert outcomes[1] == ["good:2"]
    assert await batcher.submit("bad2", [5]) == ["bad2:5"]


async def test_a_caller_that_gives_up_does_not_run_or_break_the_others() -> None:
    recorder = Recorder()
    batcher = DynamicBatcher(recorder, window_s=0.05, max_items=8)
    quitter = asyncio.ensure_future(batcher.submit("m", [1]))
    stayer = asyncio.ensure_future(batcher.submit("m", [2]))
    await asyncio.sleep(0.01)
    quitter.cancel()
    assert await stayer == ["m:2"]
    with pytest.raises(asyncio.CancelledError):
        await quitter
    assert recorder.calls == [("m", [2])]
