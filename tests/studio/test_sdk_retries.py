"""The SDK retries 503 (database restarting) and 429 answers, honouring Retry-After, only where repeating is safe."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from studio.core.errors import Overloaded, Unavailable
from studio.sdk import AsyncStudioClient
from studio.sdk.client import retry_after

URL = "http://gateway.test"
PROBLEM = {"type": "about:blank", "title": "Service Unavailable", "status": 503, "detail": "database restarting"}
JOB = {"id": "j1", "type": "image.generate", "status": "completed", "assets": []}


def scripted(answers: list[httpx.Response]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """Answers in order (the last one repeats); records every request."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        request.read()
        return answers[min(len(seen), len(answers)) - 1]

    return httpx.MockTransport(handle), seen


def busy(status: int = 503, after: str = "0") -> httpx.Response:
    return httpx.Response(status, json={**PROBLEM, "status": status}, headers={"Retry-After": after})


def client(transport: httpx.MockTransport, **options: float) -> AsyncStudioClient:
    return AsyncStudioClient(URL, "sk", transport=transport, poll_interval=0.01, **options)  # type: ignore[arg-type]


async def test_a_get_is_retried_through_a_short_outage() -> None:
    transport, seen = scripted([busy(), busy(429), httpx.Response(200, json=JOB)])
    async with client(transport) as studio:
        job = await studio.get_job("j1")
    assert job.status == "completed" and len(seen) == 3


async def test_a_post_carries_one_idempotency_key_through_its_retries() -> None:
    transport, seen = scripted([busy(), busy(), httpx.Response(200, json=JOB)])
    async with client(transport) as studio:
        await studio.cancel_job("j1")
    keys = {request.headers["idempotency-key"] for request in seen}
    assert len(seen) == 3 and len(keys) == 1 and keys.pop().startswith("sdk-")
    transport, again = scripted([httpx.Response(200, json=JOB)])
    async with client(transport) as studio:
        await studio.cancel_job("j1")
        await studio.cancel_job("j1")
    assert again[0].headers["idempotency-key"] != again[1].headers["idempotency-key"]  # one key per call


async def test_requests_that_are_not_safe_to_repeat_are_not_retried() -> None:
    transport, seen = scripted([busy()])
    async with client(transport) as studio:
        with pytest.raises(Unavailable, match="database restarting"):
            await studio.delete_voice("v1")
    assert len(seen) == 1


async def test_retries_are_bounded_and_the_last_answer_is_raised() -> None:
    transport, seen = scripted([busy(429)])
    async with client(transport, retries=3) as studio:
        with pytest.raises(Overloaded, match="HTTP 429"):
            await studio.get_job("j1")
    assert len(seen) == 4
    transport, seen = scripted([busy(after="30")])
    started = time.monotonic()
    async with client(transport, retry_max_wait=5) as studio:
        with pytest.raises(Unavailable):  # asked to wait longer than the client will: no pointless sleep
            await studio.get_job("j1")
    assert len(seen) == 1 and time.monotonic() - started < 2


async def test_retry_after_is_honoured() -> None:
    transport, seen = scripted([busy(after="1"), httpx.Response(200, json=JOB)])
    started = time.monotonic()
    async with client(transport) as studio:
        await studio.get_job("j1")
    assert time.monotonic() - started >= 1.0 and len(seen) == 2
    date = httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after(date, 3.0) == 0.0  # a date in the past: no wait
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"}), 3.0) == 3.0
    assert retry_after(httpx.Response(503), 0.5) == 0.5


async def test_a_connection_refused_is_retried_and_an_upload_is_sent_whole_each_time(tmp_path: Path) -> None:
    sample = tmp_path / "in.png"
    sample.write_bytes(b"\x89PNG" + b"x" * 5000)
    bodies: list[bytes] = []
    calls = [0]

    def handle(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        if calls[0] == 1:
            raise httpx.ConnectError("connection refused", request=request)
        bodies.append(request.read())
        if calls[0] == 2:
            return busy()
        return httpx.Response(201, json={"id": "a1", "type": "image", "content_type": "image/png"})

    answer: Callable[[httpx.Request], httpx.Response] = handle
    async with client(httpx.MockTransport(answer)) as studio:
        asset = await studio.upload_asset(sample)
    assert asset.id == "a1"
    assert calls[0] == 3 and len(bodies) == 2
    assert all(b"\x89PNG" + b"x" * 5000 in body for body in bodies)  # the whole file each time (a new boundary)


async def test_retries_can_be_turned_off() -> None:
    transport, seen = scripted([busy()])
    async with client(transport, retries=0) as studio:
        with pytest.raises(Unavailable):
            await studio.get_job("j1")
    assert len(seen) == 1
