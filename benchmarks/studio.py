"""Embedded render of examples/luna.yaml: the DAG's concurrency against the same steps one after another.

Prints wall time, CPU time (this process and its ffmpeg/espeak children), the
film's duration, and each step's time. Goal: parallel ≤ 0.6 × sequential on
2 cores, and faster than the film lasts.

    .venv/bin/python benchmarks/studio.py [--screenplay examples/luna.yaml] [--skip-serial]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the `studio` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from studio.pipeline.events import ProductionEvent  # noqa: E402
from studio.pipeline.render import render_embedded  # noqa: E402
from studio.pipeline.screenplay import load_screenplay  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class Run:
    wall: float = 0.0
    cpu: float = 0.0
    film: float = 0.0
    started: dict[str, float] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)

    def on_event(self, event: ProductionEvent) -> None:
        if event.step is None:
            return
        if event.kind == "started":
            self.started[event.step.name] = time.perf_counter()
        elif event.kind == "finished":
            self.steps[event.step.name] = time.perf_counter() - self.started[event.step.name]


async def render(screenplay_path: Path, serial: bool) -> Run:
    screenplay = load_screenplay(screenplay_path)
    run = Run()
    with tempfile.TemporaryDirectory(prefix="studio-bench-") as tmp:
        cpu, start = cpu_seconds(), time.perf_counter()
        film = await render_embedded(screenplay, Path(tmp) / "film.mp4", on_event=run.on_event, serial=serial)
        run.wall, run.cpu, run.film = time.perf_counter() - start, cpu_seconds() - cpu, film.result.duration_seconds
    return run


def report(name: str, run: Run) -> None:
    print(f"{name:<11} wall {run.wall:7.1f} s   cpu {run.cpu:7.1f} s   film {run.film:5.2f} s   "
          f"real-time factor {run.wall / run.film:5.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screenplay", type=Path, default=ROOT / "examples" / "luna.yaml")
    parser.add_argument("--skip-serial", action="store_true", help="only the parallel render")
    args = parser.parse_args()
    print(f"screenplay {args.screenplay}   cpus {os.cpu_count()}   load average {os.getloadavg()[0]:.1f}")
    parallel = asyncio.run(render(args.screenplay, serial=False))
    report("parallel", parallel)
    if args.skip_serial:
        return
    serial = asyncio.run(render(args.screenplay, serial=True))
    report("sequential", serial)
    print(f"parallel / sequential = {parallel.wall / serial.wall:.2f} (goal ≤ 0.60); "
          f"parallel / film = {parallel.wall / parallel.film:.2f} (goal < 1)")  # fmt: skip
    print("\nstep                  sequential s   parallel s")
    for name, seconds in serial.steps.items():
        print(f"{name:<22}{seconds:12.2f}{parallel.steps.get(name, float('nan')):13.2f}")
    print(f"{'sum of steps':<22}{sum(serial.steps.values()):12.2f}")


if __name__ == "__main__":
    main()
