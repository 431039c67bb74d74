"""Embedded render of examples/luna.yaml: the DAG's concurrency against the same steps one after another.

Prints wall time, CPU time (this process and its ffmpeg/espeak children), the
film's duration, and each step's time. Goal: parallel ≤ 0.6 × sequential on
2 cores, and faster than the film lasts.

The film's pictures are rendered a scene at a time (`pictures:N`, one encoder
thread each, as soon as the scene is ready) and its sound on its own (`sound`);
the final `compose` joins them. Run one after another, those parts use one core
at a time; run by the DAG, they fill both cores while the other steps run.

    .venv/bin/python -m benchmarks.studio [--screenplay examples/luna.yaml] [--rounds 2] [--video-animation]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, this file's folder comes first on sys.path and its name would shadow the `studio` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from studio.core.artifacts.local import LocalArtifactStore  # noqa: E402
from studio.pipeline.embedded import LocalMediaResolver  # noqa: E402
from studio.pipeline.media import resolve_media  # noqa: E402
from studio.pipeline.production import produce  # noqa: E402
from studio.pipeline.render import default_workers, open_executor  # noqa: E402
from studio.pipeline.screenplay import Screenplay, load_screenplay  # noqa: E402
from studio.pipeline.steps import SerialExecutor, Step, StepExecutor  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Run:
    wall: float = 0.0
    cpu: float = 0.0
    film: float = 0.0
    #: Step name -> (wall seconds, CPU seconds; the latter only meaningful when steps run one at a time).
    steps: dict[str, tuple[float, float]] = field(default_factory=dict)
    worker_cpu: float = 0.0


class TimedExecutor:
    """Measures each step where it really runs (inside the serial lock, when there is one)."""

    def __init__(self, inner: StepExecutor, run: Run) -> None:
        self.inner, self.run_record = inner, run

    async def run(self, step: Step) -> Any:
        cpu, start = cpu_seconds(), time.perf_counter()
        result = await self.inner.run(step)
        wall = time.perf_counter() - start
        # Worker processes report their own CPU; in-process steps are measured here.
        in_worker = getattr(self.inner, "cpu_seconds", {}).get(step.id)
        used = in_worker if in_worker is not None else cpu_seconds() - cpu
        self.run_record.steps[step.id.split("@")[0]] = (wall, used)
        self.run_record.worker_cpu += in_worker or 0.0
        return result


def with_video_animation(screenplay: Screenplay) -> Screenplay:
    """The screenplay with its scenes animated by the video service's default backend (Animate steps)."""
    backends = screenplay.backends.model_copy(update={"animation": ""})
    return screenplay.model_copy(update={"backends": backends}).with_base_dir(screenplay.base_dir)


async def produce_timed(executor: StepExecutor, store: LocalArtifactStore, screenplay: Screenplay, serial: bool) -> Run:
    """One production on already loaded services (loading is not what is measured)."""
    run = Run()
    resolved = await resolve_media(screenplay, LocalMediaResolver(store))
    timed = TimedExecutor(executor, run)
    cpu, start = cpu_seconds(), time.perf_counter()
    result = await produce(resolved, SerialExecutor(timed) if serial else timed)
    run.wall, run.film = time.perf_counter() - start, result.duration_seconds
    run.cpu = cpu_seconds() - cpu + run.worker_cpu
    return run


def report(name: str, run: Run) -> None:
    print(f"{name:<16} wall {run.wall:7.1f} s   cpu {run.cpu:7.1f} s   film {run.film:5.2f} s   "
          f"wall / film {run.wall / run.film:5.2f}", flush=True)  # fmt: skip


async def bench(args: argparse.Namespace) -> None:
    screenplay = load_screenplay(args.screenplay)
    parallel: list[Run] = []
    serial: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:
        store = LocalArtifactStore(Path(tmp) / "artifacts")
        async with open_executor(store, args.workers) as executor:
            # Rounds alternate, so a change in the machine's load hits both kinds alike.
            for round_ in range(args.rounds):
                parallel.append(await produce_timed(executor, store, screenplay, serial=False))
                report(f"parallel #{round_ + 1}", parallel[-1])
                serial.append(await produce_timed(executor, store, screenplay, serial=True))
                report(f"sequential #{round_ + 1}", serial[-1])
            if args.video_animation:
                animated = with_video_animation(screenplay)
                report("video animation", await produce_timed(executor, store, animated, serial=False))
                report("  sequential", await produce_timed(executor, store, animated, serial=True))
    best_parallel = min(parallel, key=lambda r: r.wall)
    best_serial = min(serial, key=lambda r: r.wall)
    ratio = statistics.median(p.wall / s.wall for p, s in zip(parallel, serial, strict=True))
    print(f"\nparallel / sequential: median of rounds {ratio:.2f}, best against best "
          f"{best_parallel.wall / best_serial.wall:.2f} (goal ≤ 0.60)")  # fmt: skip
    print(f"best parallel wall / film {best_parallel.wall / best_parallel.film:.2f} (goal < 1)")
    print("\nstep              sequential wall s   its cpu s   parallel wall s")
    for name, (wall, cpu) in best_serial.steps.items():
        print(f"{name:<18}{wall:18.2f}{cpu:12.2f}{best_parallel.steps.get(name, (float('nan'), 0))[0]:18.2f}")
    total_wall, total_cpu = (sum(v[i] for v in best_serial.steps.values()) for i in (0, 1))
    print(f"{'sum of steps':<18}{total_wall:18.2f}{total_cpu:12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenplay", type=Path, default=ROOT / "examples" / "luna.yaml")
    parser.add_argument("--rounds", type=int, default=2, help="parallel + sequential rounds (alternating)")
    parser.add_argument(
        "--workers", type=int, default=default_workers(), help="worker processes (0 = the services in this process)"
    )
    parser.add_argument(
        "--video-animation",
        action="store_true",
        help="also render with the scenes animated by the video service (Animate steps), in parallel and in sequence",
    )
    args = parser.parse_args()
    print(
        f"screenplay {args.screenplay}   cpus {os.cpu_count()}   workers {args.workers}   "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
