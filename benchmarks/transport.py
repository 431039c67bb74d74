"""Durable-job throughput and submit→completed latency: NATS JetStream vs Celery + Redis.

Both run an instant operation, so the numbers are the transports' own overhead.
JetStream goes through the studio's real JobTransport + JobWorker (dedup ids,
started/completed events, explicit acks). Celery uses a Redis broker and result
backend with a thread-pool worker of the same concurrency.

    .venv/bin/python -m benchmarks.transport [--jobs N]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script, this folder would come first on sys.path and benchmarks/studio.py would
# shadow the `studio` package: put the repository root there instead.
sys.path[:] = [str(REPO), *(p for p in sys.path if Path(p or ".").resolve() != REPO / "benchmarks")]

from studio.core.artifacts.local import LocalArtifactStore  # noqa: E402
from studio.core.jobs import JobTransport, JobWorker, new_job_id  # noqa: E402
from studio.core.operations import Operation, OperationContext, ServiceDefinition  # noqa: E402
from studio.core.settings import StudioSettings  # noqa: E402
from studio.v1.audio_pb2 import SynthesizeRequest, SynthesizeResponse, SynthesizeResult  # noqa: E402
from studio.v1.common_pb2 import JobEvent  # noqa: E402


async def instant(request: SynthesizeRequest, ctx: OperationContext) -> SynthesizeResult:
    return SynthesizeResult(backend="instant")


INSTANT = ServiceDefinition(
    name="bench",
    grpc_service="studio.v1.AudioService",
    operations=[Operation("Synthesize", SynthesizeRequest, SynthesizeResponse, instant)],
)


@dataclass(frozen=True)
class Figures:
    """One run's throughput and latency percentiles."""

    concurrency: int
    jobs: int
    jobs_per_s: float
    p50_ms: float
    p99_ms: float


def figures(concurrency: int, latencies: list[float], elapsed: float) -> Figures:
    ordered = sorted(latencies)
    p99_index = min(len(ordered) - 1, max(0, math.ceil(0.99 * len(ordered)) - 1))
    return Figures(
        concurrency=concurrency,
        jobs=len(ordered),
        jobs_per_s=len(ordered) / elapsed if elapsed else 0.0,
        p50_ms=statistics.median(ordered) * 1000 if ordered else math.nan,
        p99_ms=ordered[p99_index] * 1000 if ordered else math.nan,
    )


def summary(name: str, run: Figures) -> str:
    return f"{name:<22} {run.concurrency:>5} {run.jobs:>6} {run.jobs_per_s:>9.0f} {run.p50_ms:>9.1f} {run.p99_ms:>9.1f}"


async def jetstream(concurrency: int, jobs: int) -> Figures:
    """Submit `jobs` instant jobs through JobTransport + JobWorker, `concurrency` at a time."""
    settings = StudioSettings(nats_prefix=f"bench{uuid.uuid4().hex[:8]}", job_ack_wait=30)
    transport = await JobTransport.connect(settings)
    stop = asyncio.Event()
    with tempfile.TemporaryDirectory() as tmp:
        worker = JobWorker(transport, INSTANT, LocalArtifactStore(Path(tmp)), concurrency=concurrency)
        worker_task = asyncio.create_task(worker.run(stop))
        waiting: dict[str, asyncio.Future[float]] = {}

        async def on_completed(msg) -> None:  # type: ignore[no-untyped-def]
            future = waiting.pop(JobEvent.FromString(msg.data).job_id, None)
            if future is not None and not future.done():
                future.set_result(time.perf_counter())

        sub = await transport.nc.subscribe(transport.names.event_subject("*", "completed"), cb=on_completed)
        limit = asyncio.Semaphore(concurrency)
        latencies: list[float] = []

        async def one() -> None:
            async with limit:
                job_id = new_job_id()
                done = asyncio.get_running_loop().create_future()
                waiting[job_id] = done
                started = time.perf_counter()
                await transport.submit("bench", "synthesize", SynthesizeRequest(text="x"), job_id)
                latencies.append(await asyncio.wait_for(done, 60) - started)

        await asyncio.gather(*(one() for _ in range(min(50, jobs))))  # warm-up
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(jobs)))
        elapsed = time.perf_counter() - started
        await sub.unsubscribe()
        stop.set()
        await worker_task
    n = transport.names
    for stream in n.streams:
        await transport.js.delete_stream(stream)
    await transport.close()
    return figures(concurrency, latencies, elapsed)


def celery(concurrency: int, jobs: int) -> str:
    from benchmarks.celery_app import app
    from benchmarks.celery_app import instant as task

    app.control.purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "benchmarks.celery_app",
            "worker",
            "-P",
            "threads",
            "-c",
            str(concurrency),
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        task.delay(0).get(timeout=60)  # worker is up

        def one(i: int) -> float:
            started = time.perf_counter()
            task.delay(i).get(timeout=60)
            return time.perf_counter() - started

        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(min(50, jobs))))  # warm-up
            started = time.perf_counter()
            latencies = list(pool.map(one, range(jobs)))
            elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(30)
    return summary("celery-redis", figures(concurrency, latencies, elapsed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs per run at concurrency 64 (a fifth at 1)")
    args = parser.parse_args()
    print(f"{'transport':<22} {'conc':>5} {'jobs':>6} {'jobs/s':>9} {'p50 ms':>9} {'p99 ms':>9}")
    for concurrency in (1, 64):
        jobs = args.jobs if concurrency > 1 else max(50, args.jobs // 5)
        print(summary("nats-jetstream", asyncio.run(jetstream(concurrency, jobs))), flush=True)
        print(celery(concurrency, jobs), flush=True)


if __name__ == "__main__":
    main()
