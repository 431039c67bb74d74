"""Image service numbers: draft speed, model load, warm-hit latency, batched vs unbatched throughput.

Runs the real service code on a tiny random-weight FLUX pipeline (saved with
save_pretrained, loaded through the service's loader). Full-size FLUX.1 and
SD 3.5 Large on a GPU, per placement: benchmarks/gpu.py.

    .venv/bin/python -m benchmarks.image [--size 64] [--steps 2] [--rounds 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if not __package__:  # run as a file: benchmarks/studio.py must not shadow the `studio` namespace
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.residency import Footprint, Loaded, ResidencyManager
from studio.image.draft import render_draft
from studio.image.random_models import save_random_pipeline
from studio.image.service import build_service
from studio.image.settings import ImageSettings
from studio.v1.image_pb2 import GenerateRequest


def bench_draft() -> None:
    times = []
    for seed in range(5):
        started = time.perf_counter()
        render_draft("a red fox in a watercolor forest", seed, 1280, 720)
        times.append(time.perf_counter() - started)
    print(f"draft 1280x720: median {statistics.median(times):.3f} s/image (goal < 0.5 s), min {min(times):.3f} s")


def client_for(
    root: Path, models: Path, window_ms: float, max_batch: int, threads: int
) -> tuple[EmbeddedClient, Any, ResidencyManager]:
    store = LocalArtifactStore(root / f"store-{window_ms}-{max_batch}")
    residency = ResidencyManager(budget_bytes=8 * 1024**3, device="cpu", idle_unload_seconds=0)
    settings = ImageSettings(
        batch_window_ms=window_ms, max_batch=max_batch, cpu_threads=threads, models_dir=models, device="cpu"
    )
    definition = build_service(store, settings, residency)
    service = definition.operation("Generate").handler.__self__  # type: ignore[attr-defined]
    return EmbeddedClient(definition, store), service, residency


async def bench_tiny(size: int, steps: int, rounds: int, threads: int) -> None:
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:
        root = Path(tmp)
        models = root / "models"
        save_random_pipeline("flux", models / "image" / "tiny-flux")

        client, service, residency = client_for(root, models, 20.0, 8, threads)
        backend = service.diffusers()
        started = time.perf_counter()
        await backend.warm("tiny-flux", "text-to-image")
        print(f"tiny FLUX cold load (from_pretrained + placement): {time.perf_counter() - started:.3f} s")
        hits = []
        for _ in range(200):
            started = time.perf_counter()
            async with residency.use("image/tiny-flux", Footprint.single(1), lambda _: Loaded(None)):
                pass
            hits.append(time.perf_counter() - started)
        print(f"residency warm hit (model already loaded): median {statistics.median(hits) * 1e6:.0f} µs")

        def request(i: int) -> GenerateRequest:
            return GenerateRequest(
                prompt=f"a red fox {i}", width=size, height=size, steps=steps, seed=i, model="tiny-flux"
            )

        latencies = []
        for i in range(3):
            started = time.perf_counter()
            await client.call("Generate", request(i))
            latencies.append(time.perf_counter() - started)
        print(
            f"warm-hit Generate latency ({size}x{size}, {steps} steps, 1 image): {statistics.median(latencies):.3f} s"
        )

        solo, solo_service, _ = client_for(root, models, 0.0, 1, threads)
        await solo_service.diffusers().warm("tiny-flux", "text-to-image")
        print(f"throughput, tiny FLUX {size}x{size} {steps} steps, {rounds} rounds per point:")
        print("  concurrency  unbatched img/s  batched img/s  ratio  batch sizes")
        for concurrency in (1, 4, 8):
            rates = []
            for target in (solo, client):
                started = time.perf_counter()
                for r in range(rounds):
                    await asyncio.gather(*(target.call("Generate", request(r * 100 + i)) for i in range(concurrency)))
                rates.append(rounds * concurrency / (time.perf_counter() - started))
            sizes = backend.batcher.batch_sizes[-rounds:]
            print(f"  {concurrency:>11}  {rates[0]:>15.2f}  {rates[1]:>13.2f}  {rates[1] / rates[0]:>5.2f}  {sizes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=64, help="tiny pipeline image side (multiple of 16)")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0 = torch default)")
    args = parser.parse_args()
    bench_draft()
    asyncio.run(bench_tiny(args.size, args.steps, args.rounds, args.threads))


if __name__ == "__main__":
    main()
