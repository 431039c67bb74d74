"""Gateway throughput: REST submit -> completed, with an instant backend.

Starts a real stack in separate processes: the gateway (`studio serve gateway`) over a
fresh Postgres database and its own NATS prefix, and an audio worker whose Synthesize
handler stores a tiny WAV and returns at once. The load generator then POSTs
/api/v1/audio/generate-speech with `Prefer: wait=60` from N concurrent clients, each on
its own keep-alive connection (benchmarks.http_client), and times each request until it
answers with the completed job. What is measured is the
gateway's own path: auth, validation, Postgres writes, dispatch to JetStream, the
worker round trip, the events consumer, and the waiting request being woken.

Each level is followed by the raw JetStream figure at the same concurrency (the studio's
JobTransport and JobWorker alone, `benchmarks.transport`), the ratio gateway ÷ transport,
so runs on different machines can be compared, and the gateway process's CPU time per
job (load on a shared machine stretches latency, not CPU time).

    .venv/bin/python -m benchmarks.gateway [--concurrency 1,16,64,256] [--requests 300] [--seconds 20]
                                            [--profile gateway-profile.txt] [--queries queries.tsv]

STUDIO_WORKER_CONCURRENCY (default 64) sets the worker's parallelism; STUDIO_LOG_LEVEL the
gateway's log level (its log file is named on stderr). --profile runs the gateway under
py-spy and writes its samples there (collapsed stacks, as flamegraph.pl and speedscope read
them; py-spy is in the dev group). --queries counts the gateway's PostgreSQL round trips by
statement (benchmarks/pg_round_trips), writes them there and prints the round trips per job.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import wave
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx

from benchmarks.http_client import HttpConnection
from benchmarks.transport import Figures, figures, jetstream

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NATS_URL = os.environ.get("STUDIO_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _silence() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 160)
    return buffer.getvalue()


async def run_worker() -> None:
    """The instant audio worker (runs in its own process)."""
    from studio.core.artifacts import open_store
    from studio.core.jobs import JobTransport, JobWorker
    from studio.core.operations import Operation, OperationContext, ServiceDefinition
    from studio.core.settings import StudioSettings
    from studio.v1 import audio_pb2

    settings = StudioSettings()
    artifacts = open_store(settings)
    wav = _silence()

    async def synthesize(request: audio_pb2.SynthesizeRequest, ctx: OperationContext) -> audio_pb2.SynthesizeResult:
        ref = await ctx.artifacts.put_bytes(ctx.output_key("speech.wav"), wav, "audio/wav")
        return audio_pb2.SynthesizeResult(audio=ref, duration_seconds=0.01, sample_rate=16000, backend="instant")

    definition = ServiceDefinition(
        name="audio",
        grpc_service="studio.v1.AudioService",
        operations=[Operation("Synthesize", audio_pb2.SynthesizeRequest, audio_pb2.SynthesizeResponse, synthesize)],
    )
    transport = await JobTransport.connect(settings)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    worker = JobWorker(transport, definition, artifacts, concurrency=settings.worker_concurrency, shutdown_grace=2)
    await worker.run(stop)
    await transport.close()


async def _wait_ready(base_url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url) as client:
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError("the gateway did not start; see its output above")


async def _level(base_url: str, key: str, concurrency: int, requests: int, seconds: float) -> tuple[Figures, int]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    failures = 0
    deadline = time.monotonic() + seconds
    remaining = requests
    url = urlsplit(base_url)
    body = json.dumps({"text": "benchmark"}).encode()
    headers = {"X-API-Key": key, "Prefer": "wait=60"}

    async def one_client() -> None:
        nonlocal remaining, failures
        connection = HttpConnection(url.hostname or "127.0.0.1", url.port or 80, headers)
        try:
            while remaining > 0 and time.monotonic() < deadline:
                remaining -= 1
                started = time.perf_counter()
                try:
                    status, answer = await asyncio.wait_for(
                        connection.post_json("/api/v1/audio/generate-speech", body), 90
                    )
                except (OSError, TimeoutError) as error:
                    errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
                    failures += 1
                    await connection.close()
                    continue
                elapsed = time.perf_counter() - started
                if status == 200 and json.loads(answer)["status"] == "completed":
                    latencies.append(elapsed)
                else:
                    failures += 1
        finally:
            await connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    wall = time.perf_counter() - began
    if errors:
        print(f"  transport errors at concurrency {concurrency}: {errors}", file=sys.stderr)
    return figures(concurrency, latencies, wall), failures


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its reaped children have used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _gateway_pid(launched: subprocess.Popen[bytes]) -> int:
    """The gateway's own process (under py-spy it is py-spy's child)."""
    children = Path(f"/proc/{launched.pid}/task/{launched.pid}/children")
    pids = children.read_text().split() if children.exists() else []
    return int(pids[0]) if pids else launched.pid


def _gateway_command(port: int, profile: Path | None) -> list[str]:
    studio = str(Path(sys.executable).with_name("studio"))
    command = [studio, "serve", "gateway", "--port", str(port)]
    if profile is None:
        return command
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    record = ["record", "--nonblocking", "--rate", "200", "--format", "raw", "-o", str(profile)]
    return [py_spy, *record, "--", *command]


async def run_benchmark(
    levels: list[int], requests: int, seconds: float, profile: Path | None, queries: Path | None = None
) -> None:
    database = f"studio_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{database}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "STUDIO_DATABASE_URL": url,
        "STUDIO_NATS_URL": NATS_URL,
        "STUDIO_NATS_PREFIX": prefix,
        "STUDIO_ARTIFACTS": "local",
        "STUDIO_ARTIFACTS_DIR": str(workdir / "artifacts"),
        "STUDIO_LOG_LEVEL": os.environ.get("STUDIO_LOG_LEVEL", "WARNING"),
        "STUDIO_MAX_CONCURRENT_JOBS": json.dumps({"audio": 256, "image": 1, "video": 1, "composer": 1}),
        "STUDIO_RATE_LIMIT_WRITE_PER_MINUTE": "10000000",
        "STUDIO_WORKER_CONCURRENCY": os.environ.get("STUDIO_WORKER_CONCURRENCY", "64"),
        "STUDIO_DB_POOL_SIZE": "20",
    }
    if queries is not None:
        counter = str(Path(__file__).with_name("pg_round_trips"))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [counter, env.get("PYTHONPATH")]))
        env["STUDIO_BENCH_QUERIES"] = str(queries.resolve())
    jobs = 0
    log = (workdir / "gateway.log").open("w")
    gateway = subprocess.Popen(_gateway_command(port, profile), env=env, stderr=log)
    print(f"gateway log: {log.name}", file=sys.stderr)
    worker = subprocess.Popen([sys.executable, "-m", "benchmarks.gateway", "--worker"], env=env)
    try:
        await _wait_ready(base_url)
        from studio.gateway.auth.keys import create_key

        conn = await asyncpg.connect(url)
        key = (await create_key(conn, "benchmark")).key
        await conn.close()
        warm_up, _ = await _level(base_url, key, 4, 20, 30)  # warm-up: connections, caches, consumer
        jobs += warm_up.jobs
        print(
            f"{'concurrency':>11} {'jobs':>6} {'failed':>6} {'jobs/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
            f" | {'js jobs/s':>9} {'js p50':>7} {'js p99':>7} | {'ratio':>5} | {'gw cpu ms/job':>13}"
        )
        gateway_pid = _gateway_pid(gateway)
        for level in levels:
            cpu_before = _cpu_seconds(gateway_pid)
            row, failed = await _level(base_url, key, level, max(requests, level * 4), seconds)
            jobs += row.jobs + failed
            cpu_per_job = (_cpu_seconds(gateway_pid) - cpu_before) * 1000 / max(row.jobs, 1)
            raw = await jetstream(level, max(requests, level * 4))
            ratio = row.jobs_per_s / raw.jobs_per_s if raw.jobs_per_s else math.nan
            print(
                f"{row.concurrency:>11} {row.jobs:>6} {failed:>6} {row.jobs_per_s:>8.1f} "
                f"{row.p50_ms:>8.1f} {row.p99_ms:>8.1f} | {raw.jobs_per_s:>9.1f} {raw.p50_ms:>7.1f} "
                f"{raw.p99_ms:>7.1f} | {ratio:>5.2f} | {cpu_per_job:>13.2f}",
                flush=True,
            )
    finally:
        for process in (gateway, worker):
            process.send_signal(signal.SIGINT if process is gateway and profile else signal.SIGTERM)
        for process in (gateway, worker):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        from nats import connect

        nc = await connect(NATS_URL)
        js = nc.jetstream()
        for stream in (f"{prefix}_JOBS", f"{prefix}_EVENTS", f"KV_{prefix}_JOB_CANCELS"):
            with contextlib.suppress(Exception):
                await js.delete_stream(stream)
        await nc.close()
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    if queries is not None and queries.exists():
        counted = sum(int(line.split("\t", 1)[0]) for line in queries.read_text().splitlines())
        print(
            f"PostgreSQL round trips: {counted} for {jobs} jobs, {counted / max(jobs, 1):.2f} per job "
            f"(start-up included; by statement in {queries})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", default="1,16,64,256", help="comma-separated client counts")
    parser.add_argument("--requests", type=int, default=300, help="requests per level (at least 4 per client)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time limit per level")
    parser.add_argument("--profile", type=Path, help="run the gateway under py-spy; write its profile here")
    parser.add_argument("--queries", type=Path, help="count the gateway's PostgreSQL round trips; write them here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(run_worker())
        return
    levels = [int(level) for level in args.concurrency.split(",") if level.strip()]
    asyncio.run(run_benchmark(levels, args.requests, args.seconds, args.profile, args.queries))


if __name__ == "__main__":
    main()
