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
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
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


def summary(name: str, concurrency: int, latencies: list[float], elapsed: float) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{name:<22} {concurrency:>5} {len(ordered):>6} {len(ordered) / elapsed:>9.0f} {p50:>9.1f} {p99:>9.1f}"


async def jetstream(concurrency: int, jobs: int) -> str:
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
    return summary("nats-jetstream", concurrency, latencies, elapsed)


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
    return summary("celery-redis", concurrency, latencies, elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="jobs per run at concurrency 64 (a fifth at 1)")
    args = parser.parse_args()
    print(f"{'transport':<22} {'conc':>5} {'jobs':>6} {'jobs/s':>9} {'p50 ms':>9} {'p99 ms':>9}")
    for concurrency in (1, 64):
        jobs = args.jobs if concurrency > 1 else max(50, args.jobs // 5)
        print(asyncio.run(jetstream(concurrency, jobs)), flush=True)
        print(celery(concurrency, jobs), flush=True)


if __name__ == "__main__":
    main()
