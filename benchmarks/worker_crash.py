"""How long a `kill -9` of a worker holds up its job and the queue behind it, by ack wait.

Worker processes (one by default, like `make up`) pull 0.3 s jobs from one JetStream
consumer. While the jobs run, a worker that has just taken a job is killed with SIGKILL
and a new one started, a few times. It prints, for each setting, the wall time for all
jobs with and without kills, and how long each killed worker's job took to complete
elsewhere. The baseline is the old shape (30 s ack wait, the consumer capped at one
replica's concurrency, so the dead worker's job blocked the restarted one); the other
row is the shipped default.

    .venv/bin/python -m benchmarks.worker_crash [--jobs N] [--kills K] [--workers W]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script, this folder would come first on sys.path and benchmarks/studio.py would
# shadow the `studio` package: put the repository root there instead.
sys.path[:] = [str(REPO), *(p for p in sys.path if Path(p or ".").resolve() != REPO / "benchmarks")]

from studio.core.artifacts.local import LocalArtifactStore  # noqa: E402
from studio.core.jobs import JobTransport, JobWorker  # noqa: E402
from studio.core.jobs import transport as transport_module  # noqa: E402
from studio.core.jobs.transport import MAX_UNACKNOWLEDGED_JOBS, event_kind  # noqa: E402
from studio.core.operations import Operation, OperationContext, ServiceDefinition  # noqa: E402
from studio.core.settings import StudioSettings  # noqa: E402
from studio.v1.audio_pb2 import SynthesizeRequest, SynthesizeResponse, SynthesizeResult  # noqa: E402

JOB_SECONDS = 0.3


async def short_job(request: SynthesizeRequest, ctx: OperationContext) -> SynthesizeResult:
    await asyncio.sleep(JOB_SECONDS)
    return SynthesizeResult(backend="bench")


SERVICE = ServiceDefinition(
    name="crash",
    grpc_service="studio.v1.AudioService",
    operations=[Operation("Synthesize", SynthesizeRequest, SynthesizeResponse, short_job)],
)


async def worker_main(prefix: str, ack_wait: float, artifacts: str, cap: int) -> None:
    transport_module.MAX_UNACKNOWLEDGED_JOBS = cap  # what the consumer is declared with as the worker starts
    transport = await JobTransport.connect(StudioSettings(nats_prefix=prefix, job_ack_wait=ack_wait))
    await JobWorker(transport, SERVICE, LocalArtifactStore(Path(artifacts))).run(asyncio.Event())


def spawn(prefix: str, ack_wait: float, artifacts: str, cap: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "benchmarks.worker_crash", "--worker", prefix, str(ack_wait), artifacts, str(cap)]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def run(ack_wait: float, jobs: int, kills: int, replicas: int, cap: int) -> tuple[float, list[float]]:
    """Wall time for `jobs` jobs, and for each kill the seconds until the victim's job completed."""
    prefix = f"crash{uuid.uuid4().hex[:8]}"
    transport_module.MAX_UNACKNOWLEDGED_JOBS = cap
    transport = await JobTransport.connect(StudioSettings(nats_prefix=prefix, job_ack_wait=ack_wait))
    with tempfile.TemporaryDirectory() as artifacts:
        workers = {p.pid: p for p in (spawn(prefix, ack_wait, artifacts, cap) for _ in range(replicas))}
        killed_at: dict[str, float] = {}  # job -> when its worker was killed
        recoveries: list[float] = []
        done: set[str] = set()
        await transport.ensure_consumer(SERVICE.name)
        started = time.monotonic()
        for _ in range(jobs):
            await transport.submit(SERVICE.name, "synthesize", SynthesizeRequest(text="x"))
        every = max(1, jobs // (kills + 1))
        try:
            async for event in transport.events("*"):
                kind = event_kind(event)
                due = len(recoveries) + len(killed_at) < min(kills, len(done) // every)
                if kind == "started" and due:  # the worker has just taken this job: kill it now
                    victim = workers.pop(int(event.started.worker.rsplit(":", 1)[1]), None)
                    if victim is not None:
                        victim.send_signal(signal.SIGKILL)
                        victim.wait(10)
                        killed_at[event.job_id] = time.monotonic()
                        replacement = spawn(prefix, ack_wait, artifacts, cap)
                        workers[replacement.pid] = replacement
                elif kind == "completed" and event.job_id not in done:
                    done.add(event.job_id)
                    if event.job_id in killed_at:
                        recoveries.append(time.monotonic() - killed_at.pop(event.job_id))
                    if len(done) == jobs:
                        break
            elapsed = time.monotonic() - started
        finally:
            for proc in workers.values():
                proc.terminate()
            for proc in workers.values():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)
            for stream in transport.names.streams:
                with contextlib.suppress(Exception):
                    await transport.js.delete_stream(stream)
            await transport.close()
    return elapsed, recoveries


async def main(jobs: int, kills: int, replicas: int) -> None:
    settings = (
        ("old: 30 s, cap 1", 30.0, 1),
        (f"shipped: {StudioSettings().job_ack_wait:.0f} s", StudioSettings().job_ack_wait, MAX_UNACKNOWLEDGED_JOBS),
    )
    print(f"{jobs} jobs of {JOB_SECONDS}s, {replicas} worker(s); {os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}")
    print(f"{'ack wait, consumer cap':<24} {'kills':>5} {'total s':>8} {'killed job back after s (mean, max)':>36}")
    for name, ack_wait, cap in settings:
        for k in (0, kills):
            elapsed, recoveries = await run(ack_wait, jobs, k, replicas, cap)
            back = f"{statistics.mean(recoveries):.1f}, {max(recoveries):.1f}" if recoveries else "-"
            print(f"{name:<24} {len(recoveries):>5} {elapsed:>8.1f} {back:>36}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        asyncio.run(worker_main(sys.argv[2], float(sys.argv[3]), sys.argv[4], int(sys.argv[5])))
    else:
        parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--jobs", type=int, default=60)
        parser.add_argument("--kills", type=int, default=3)
        parser.add_argument("--workers", type=int, default=1)
        args = parser.parse_args()
        asyncio.run(main(args.jobs, args.kills, args.workers))
