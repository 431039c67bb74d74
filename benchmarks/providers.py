"""Many provider jobs waiting at once in one process: threads held, event-loop lag, wall time.

Runs N image jobs on the fal backend against the local fake (in a process of its own;
each job: submit, four status polls, result, download into the artifact store) all at
once through the image service's own operation, and samples while they wait: this
process's thread count and how late a 10 ms timer fires on the event loop. Waiting should hold no thread (the
count stays flat as N grows) and never block the loop (lag stays at timer resolution).

    .venv/bin/python -m benchmarks.providers [--jobs 1 50 200]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:] = [str(REPO), *(p for p in sys.path if Path(p or ".").resolve() != REPO / "benchmarks")]

from studio.core.artifacts.local import LocalArtifactStore  # noqa: E402
from studio.core.operations import OperationContext  # noqa: E402
from studio.image.service import build_service  # noqa: E402
from studio.image.settings import ImageSettings  # noqa: E402
from studio.v1.image_pb2 import GenerateRequest  # noqa: E402
from tests.providers.conftest import provider_settings  # noqa: E402
from tests.providers.fakes.server import FakeProviders  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_fakes(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "tests.providers.fakes", "--port", str(port)], cwd=REPO,
                               stdout=subprocess.DEVNULL)  # fmt: skip
    for _ in range(100):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the fake providers did not start")


async def run(jobs: int, fake: FakeProviders) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalArtifactStore(Path(tmp))
        settings = provider_settings(fake, provider_poll_seconds=0.2, provider_poll_max_seconds=0.2)
        service = build_service(store, ImageSettings(), providers=settings)
        generate = service.operation("Generate")
        threads_before = threading.active_count()
        lags: list[float] = []
        peak_threads = threads_before
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak_threads
            while not done.is_set():
                start = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append(time.perf_counter() - start - 0.01)
                peak_threads = max(peak_threads, threading.active_count())

        async def one(index: int) -> None:
            request = GenerateRequest(prompt=f"fox {index}", width=64, height=64, seed=index, backend="fal")
            await generate.invoke(request, OperationContext(artifacts=store))

        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(jobs)))
        wall = time.perf_counter() - started
        done.set()
        await sampler
        return {
            "jobs": jobs,
            "wall_s": wall,
            "threads_before": threads_before,
            "threads_peak": peak_threads,
            "loop_lag_p50_ms": statistics.median(lags) * 1000,
            "loop_lag_max_ms": max(lags) * 1000,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 50, 200])
    args = parser.parse_args()
    port = free_port()
    server = start_fakes(port)
    try:
        for jobs in args.jobs:
            result = asyncio.run(run(jobs, FakeProviders(url=f"http://127.0.0.1:{port}")))
            print("  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
