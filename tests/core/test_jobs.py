"""The job transport against the real NATS JetStream server."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from google.protobuf.any_pb2 import Any as AnyMessage

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.jobs import JobTransport, JobWorker
from studio.core.jobs.transport import event_kind
from studio.v1.audio_pb2 import SynthesizeRequest, SynthesizeResult
from studio.v1.common_pb2 import (
    ERROR_CODE_CANCELLED,
    ERROR_CODE_INTERNAL,
    ERROR_CODE_INVALID_ARGUMENT,
    ArtifactRef,
    JobCompleted,
    JobEvent,
)
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


def start_worker_process(
    nats_prefix: str, calls_dir: Path, artifacts_dir: Path, die_at: str = "", ack_wait: str = "2"
) -> subprocess.Popen[bytes]:
    script = str(REPO / "tests/core/worker_process.py")
    return subprocess.Popen(
        [sys.executable, script, nats_prefix, str(calls_dir), str(artifacts_dir), die_at, ack_wait],
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@contextlib.asynccontextmanager
async def running_worker(
    transport: JobTransport, calls_dir: Path, artifacts: LocalArtifactStore
) -> AsyncIterator[None]:
    w = JobWorker(transport, build_fake_service(calls_dir), artifacts)
    stop = asyncio.Event()
    task = asyncio.create_task(w.run(stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def settled(transport: JobTransport, service: str = "fake", timeout: float = 60) -> None:
    """Wait until no job of `service` is waiting or unacknowledged."""
    for _ in range(int(timeout * 10)):
        if await transport.pending(service) == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{service} jobs still pending after {timeout}s")


def result_of(event: JobEvent) -> SynthesizeResult:
    result = SynthesizeResult()
    assert event.completed.result.Unpack(result)
    return result


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
    proc = start_worker_process(nats_prefix, calls_dir, tmp_path / "a")
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
    async with running_worker(transport, calls_dir, LocalArtifactStore(tmp_path / "a")):
        events = await events_until_quiet(transport, job_id, quiet=0.5)
    assert kinds(events).count("completed") == 1
    attempts = [e.started.attempt for e in events if event_kind(e) == "started"]
    assert attempts == [1, 2]
    assert calls(calls_dir, "sleep:3") == 2


async def test_invalid_job_id_is_rejected(transport: JobTransport) -> None:
    from studio.core.errors import InvalidInput

    with pytest.raises(InvalidInput, match="invalid job id"):
        await submit(transport, "x", "has.dots*and>wildcards")


async def test_pending_counts_waiting_jobs(transport: JobTransport) -> None:
    await transport.ensure_consumer("fake")
    for _ in range(3):
        await submit(transport, "queued")
    assert await transport.pending("fake") == 3


async def job_whose_worker_dies(
    transport: JobTransport, nats_prefix: str, calls_dir: Path, artifacts_dir: Path, die_at: str
) -> str:
    """Submit an "output" job to a worker process that kills itself at `die_at`; return the job id."""
    proc = start_worker_process(nats_prefix, calls_dir, artifacts_dir, die_at=die_at)
    try:
        job_id, _ = await submit(transport, "output")
        for _ in range(600):
            if proc.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert proc.returncode == -signal.SIGKILL, f"the worker was meant to kill itself at {die_at!r}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return job_id


async def test_worker_killed_between_completion_and_ack_does_not_run_the_job_again(
    transport: JobTransport, nats_prefix: str, calls_dir: Path, tmp_path: Path
) -> None:
    artifacts = LocalArtifactStore(tmp_path / "a")
    job_id = await job_whose_worker_dies(transport, nats_prefix, calls_dir, tmp_path / "a", die_at="ack")
    first = await transport.wait(job_id, timeout=60)
    recorded = result_of(first).audio
    assert recorded.key == f"runs/{job_id}/1/out.bin"

    async with running_worker(transport, calls_dir, artifacts):
        await settled(transport)  # the redelivery (after ack_wait) was answered and acknowledged
        events = await events_until_quiet(transport, job_id, quiet=0.5)

    assert calls(calls_dir, "output") == 1, "the redelivered job ran again"
    assert [e.started.attempt for e in events if event_kind(e) == "started"] == [1]
    completions = [e for e in events if event_kind(e) == "completed"]
    assert len(completions) == 2 and all(c == first for c in completions)  # republished, unchanged
    stored = await artifacts.stat(recorded.key)
    assert (stored.size, stored.sha256) == (recorded.size, recorded.sha256)
    assert [p.name for p in (tmp_path / "a" / "studio" / "runs" / job_id).iterdir()] == ["1"]


async def test_worker_killed_before_recording_leaves_its_outputs_and_the_next_attempt_writes_its_own(
    transport: JobTransport, nats_prefix: str, calls_dir: Path, tmp_path: Path
) -> None:
    artifacts = LocalArtifactStore(tmp_path / "a")
    job_id = await job_whose_worker_dies(transport, nats_prefix, calls_dir, tmp_path / "a", die_at="record")
    orphan = await artifacts.stat(f"runs/{job_id}/1/out.bin")  # written, never recorded

    async with running_worker(transport, calls_dir, artifacts):
        event = await transport.wait(job_id, timeout=60)
        await settled(transport)

    assert event_kind(event) == "completed" and calls(calls_dir, "output") == 2
    assert result_of(event).audio.key == f"runs/{job_id}/2/out.bin"
    assert await artifacts.stat(orphan.key) == orphan  # the first attempt's bytes were not touched
    assert await transport.recorded_outcome(job_id) == event


async def test_an_attempt_that_loses_the_race_to_record_removes_its_own_outputs(
    transport: JobTransport, calls_dir: Path, tmp_path: Path
) -> None:
    artifacts = LocalArtifactStore(tmp_path / "a")
    job_id, _ = await submit(transport, "output-then-sleep:1.0")
    winner = AnyMessage()
    winner.Pack(SynthesizeResult(audio=ArtifactRef(key=f"runs/{job_id}/7/out.bin")))
    async with running_worker(transport, calls_dir, artifacts):
        for _ in range(100):  # the attempt has written its output and is still running
            if await artifacts.keys(f"runs/{job_id}/"):
                break
            await asyncio.sleep(0.05)
        assert await artifacts.keys(f"runs/{job_id}/") == [f"runs/{job_id}/1/out.bin"]
        # another attempt (one a stalled worker lost its job to) records its completion first
        await transport.record_outcome(JobEvent(job_id=job_id, completed=JobCompleted(result=winner)))
        event = await transport.wait(job_id, timeout=30)
        await settled(transport)
    assert result_of(event).audio.key == f"runs/{job_id}/7/out.bin"  # the recorded one counts
    assert await artifacts.keys(f"runs/{job_id}/") == []  # the loser's output was removed, by the loser


async def test_the_first_recorded_outcome_of_a_job_is_the_one_that_counts(transport: JobTransport) -> None:
    def completed(key: str) -> JobEvent:
        packed = AnyMessage()
        packed.Pack(SynthesizeResult(audio=ArtifactRef(key=key)))
        return JobEvent(job_id="job-raced", completed=JobCompleted(result=packed))

    assert await transport.recorded_outcome("job-raced") is None
    first = await transport.record_outcome(completed("runs/job-raced/1/out.bin"))
    late = await transport.record_outcome(completed("runs/job-raced/2/out.bin"))
    assert late == first and result_of(late).audio.key == "runs/job-raced/1/out.bin"


async def test_a_dead_workers_job_comes_back_within_seconds_with_the_shipped_ack_wait(
    transport: JobTransport, nats_prefix: str, calls_dir: Path, tmp_path: Path
) -> None:
    """Item 7 of issue 15: one kill -9 used to stall the queue for the 30 s ack wait."""
    workers = [start_worker_process(nats_prefix, calls_dir, tmp_path / "a", ack_wait="default") for _ in range(2)]
    try:
        job_id, _ = await submit(transport, "sleep:4")
        async for event in transport.events(job_id):
            if event_kind(event) == "started":
                holder = int(event.started.worker.rsplit(":", 1)[1])
                break
        victim = next(p for p in workers if p.pid == holder)
        victim.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        victim.wait(10)
        finished = await transport.wait(job_id, timeout=60)
        recovered = time.monotonic() - killed_at
        events = await events_until_quiet(transport, job_id, quiet=0.2)
    finally:
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert event_kind(finished) == "completed"
    started = [e.started for e in events if event_kind(e) == "started"]
    assert [s.attempt for s in started] == [1, 2]
    assert started[1].worker != started[0].worker  # the survivor finished it
    # A generous bound (the job itself takes 4 s): with the old 30 s ack wait this took over 30 s.
    assert recovered < 20, f"the job came back {recovered:.1f}s after its worker died"


async def test_replicas_of_a_service_run_jobs_side_by_side(
    transport: JobTransport, calls_dir: Path, tmp_path: Path
) -> None:
    """One replica's concurrency must not cap the whole service: a job held by a dead replica
    would otherwise stop every other replica until its ack wait ran out."""
    artifacts = LocalArtifactStore(tmp_path / "a")
    async with running_worker(transport, calls_dir, artifacts), running_worker(transport, calls_dir, artifacts):
        first, _ = await submit(transport, "sleep:2")
        second, _ = await submit(transport, "sleep:2")
        await transport.wait(first, timeout=60)
        await transport.wait(second, timeout=60)
        events = [e for job in (first, second) for e in await events_until_quiet(transport, job, quiet=0)]
    starts = sorted(e.time.ToNanoseconds() for e in events if event_kind(e) == "started")
    ends = sorted(e.time.ToNanoseconds() for e in events if event_kind(e) == "completed")
    assert len(starts) == 2 and starts[1] < ends[0], "the second replica waited for the first job"
