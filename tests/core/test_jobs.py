"""The job transport against the real NATS JetStream server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.jobs import JobTransport, JobWorker
from studio.core.jobs.transport import event_kind
from studio.v1.audio_pb2 import SynthesizeRequest, SynthesizeResult
from studio.v1.common_pb2 import ERROR_CODE_CANCELLED, ERROR_CODE_INTERNAL, ERROR_CODE_INVALID_ARGUMENT, JobEvent
from tests.core.fake_service import build_fake_service, calls

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def calls_dir(tmp_path: Path) -> Path:
    return tmp_path / "calls"


@pytest.fixture
async def worker(transport: JobTransport, calls_dir: Path, tmp_path: Path) -> AsyncIterator[JobWorker]:
    w = JobWorker(transport, build_fake_service(calls_dir), LocalArtifactStore(tmp_path / "a"), concurrency=4)
    stop = asyncio.Event()
    task = asyncio.create_task(w.run(stop))
    yield w
    stop.set()
    await task


async def submit(transport: JobTransport, text: str, job_id: str | None = None) -> tuple[str, bool]:
    return await transport.submit("fake", "synthesize", SynthesizeRequest(text=text), job_id)


async def events_until_quiet(transport: JobTransport, job_id: str, quiet: float) -> list[JobEvent]:
    """All events of a job: wait for the terminal one, then `quiet` seconds more for stragglers."""
    await transport.wait(job_id, timeout=60)
    await asyncio.sleep(quiet)
    seen: list[JobEvent] = []

    async def collect() -> None:
        async for event in transport.events(job_id):
            seen.append(event)

    task = asyncio.create_task(collect())
    await asyncio.sleep(0.5)
    task.cancel()
    return seen


def kinds(events: list[JobEvent]) -> list[str]:
    return [event_kind(e) for e in events]


@pytest.mark.usefixtures("worker")
async def test_completed_job_carries_its_result(transport: JobTransport) -> None:
    job_id, duplicate = await submit(transport, "hello")
    assert not duplicate
    event = await transport.wait(job_id, timeout=30)
    assert event_kind(event) == "completed"
    result = SynthesizeResult()
    assert event.completed.result.Unpack(result)
    assert result.backend == "fake:hello"
    assert event.operation == "fake.synthesize"


async def test_job_submitted_twice_with_one_id_runs_once(
    transport: JobTransport, calls_dir: Path, worker: JobWorker
) -> None:
    _, first = await submit(transport, "once", "job-once-1")
    _, second = await submit(transport, "once", "job-once-1")
    assert (first, second) == (False, True)
    events = await events_until_quiet(transport, "job-once-1", quiet=1.5)
    assert kinds(events).count("completed") == 1
    assert calls(calls_dir, "once") == 1


@pytest.mark.usefixtures("worker")
async def test_permanent_failure_ends_with_one_failed_event(transport: JobTransport, calls_dir: Path) -> None:
    job_id, _ = await submit(transport, "invalid")
    events = await events_until_quiet(transport, job_id, quiet=2.5)  # > ack_wait: a redelivery would show
    assert kinds(events).count("failed") == 1
    failed = next(e.failed for e in events if event_kind(e) == "failed")
    assert failed.code == ERROR_CODE_INVALID_ARGUMENT
    assert "not accepted" in failed.message
    assert calls(calls_dir, "invalid") == 1


@pytest.mark.usefixtures("worker")
async def test_crashing_job_is_retried_then_failed_once(transport: JobTransport, calls_dir: Path) -> None:
    job_id, _ = await submit(transport, "crash")
    events = await events_until_quiet(transport, job_id, quiet=2.5)
    assert kinds(events).count("failed") == 1
    failed = next(e.failed for e in events if event_kind(e) == "failed")
    assert failed.code == ERROR_CODE_INTERNAL
    assert failed.attempts == 3  # job_max_deliver in the test settings
    assert calls(calls_dir, "crash") == 3
    assert "Traceback" not in failed.message


@pytest.mark.usefixtures("worker")
async def test_transient_failure_is_retried(transport: JobTransport, calls_dir: Path) -> None:
    job_id, _ = await submit(transport, "flaky")
    event = await transport.wait(job_id, timeout=30)
    assert event_kind(event) == "completed"
    assert calls(calls_dir, "flaky") == 2


@pytest.mark.usefixtures("worker")
async def test_heartbeats_keep_a_long_job_from_redelivery(transport: JobTransport, calls_dir: Path) -> None:
    job_id, _ = await submit(transport, "sleep:5")  # ack_wait is 2 s
    events = await events_until_quiet(transport, job_id, quiet=0.5)
    assert kinds(events).count("completed") == 1
    assert kinds(events).count("started") == 1
    assert "progress" in kinds(events)
    assert calls(calls_dir, "sleep:5") == 1


@pytest.mark.usefixtures("worker")
async def test_cancelling_a_running_job(transport: JobTransport) -> None:
    job_id, _ = await submit(transport, "sleep:20")
    async for event in transport.events(job_id):
        if event_kind(event) == "started":
            break
    await transport.cancel(job_id)
    event = await transport.wait(job_id, timeout=30)
    assert event_kind(event) == "failed"
    assert event.failed.code == ERROR_CODE_CANCELLED


async def test_killed_worker_leaves_its_job_to_another(
    transport: JobTransport, nats_prefix: str, calls_dir: Path, tmp_path: Path
) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "tests/core/worker_process.py"), nats_prefix, str(calls_dir), str(tmp_path / "a")],
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        job_id, _ = await submit(transport, "sleep:3")
        for _ in range(300):
            if calls(calls_dir, "sleep:3") == 1:
                break
            await asyncio.sleep(0.1)
        assert calls(calls_dir, "sleep:3") == 1, "the first worker never started the job"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    w = JobWorker(transport, build_fake_service(calls_dir), LocalArtifactStore(tmp_path / "a"))
    stop = asyncio.Event()
    task = asyncio.create_task(w.run(stop))
    try:
        events = await events_until_quiet(transport, job_id, quiet=0.5)
    finally:
        stop.set()
        await task
    assert kinds(events).count("completed") == 1
    attempts = [e.started.attempt for e in events if event_kind(e) == "started"]
    assert attempts == [1, 2]
    assert calls(calls_dir, "sleep:3") == 2


async def test_invalid_job_id_is_rejected(transport: JobTransport) -> None:
    from studio.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="invalid job id"):
        await submit(transport, "x", "has.dots*and>wildcards")


async def test_pending_counts_waiting_jobs(transport: JobTransport) -> None:
    await transport.ensure_consumer("fake", 1)
    for _ in range(3):
        await submit(transport, "queued")
    assert await transport.pending("fake") == 3
