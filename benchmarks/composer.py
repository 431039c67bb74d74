"""Compose a 30 s 720p timeline and compare with one bare ffmpeg encode of the same output.

The timeline is examples/timeline.yaml (six scenes, stills with pan/zoom, clips at
24/25/30 fps, narration, ducked music, burned subtitles) with its last scene held
longer so the film lasts 30 s.

Two single-ffmpeg baselines run in the same process, with the composer's encoder settings:

- re-encode: one ffmpeg run from the finished film (720p H.264 + AAC) to the same output,
  i.e. a bare decode + encode of that output; the goal compose / re-encode <= 1.2 is judged here;
- raw encode: the same frames and sound read from a raw copy (made outside the timing),
  pure encoding with no decoding at all; the strictest floor, shown for reference.

Wall and CPU seconds (children's user+sys) are printed; on a shared machine CPU is steadier.

    .venv/bin/python -m benchmarks.composer [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

from studio.composer.output import plan_output
from studio.composer.plan import Inputs, build_plan, input_slots
from studio.composer.service import _fetch, _probe_all, compose
from studio.composer.settings import ComposerSettings
from studio.composer.subtitles import to_ass
from studio.composer.timeline_file import load_timeline
from studio.composer.video_graph import video_graph
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.operations import OperationContext
from studio.core.settings import load_settings
from studio.v1 import composer_pb2 as pb

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "timeline.yaml"
TARGET_SECONDS = 30.0


async def _timeline(store: LocalArtifactStore) -> pb.Timeline:
    async def upload(path: Path) -> pb.ArtifactRef:  # type: ignore[name-defined]
        return await store.put_file(f"inputs/{path.name}", path)

    timeline = await load_timeline(EXAMPLE, upload)
    overlaps = sum(
        s.transition.duration_seconds
        for s in timeline.scenes[:-1]
        if s.transition.kind not in (pb.TRANSITION_KIND_UNSPECIFIED, pb.TRANSITION_KIND_CUT)
    )
    others = sum(s.still.duration_seconds or s.clip.duration_seconds or 0 for s in timeline.scenes[:-1])
    # Clips without a duration use their own: 6 s (scene 2) and 3 s (scene 4) in the example.
    others += 6.0 + 3.0
    timeline.scenes[-1].still.duration_seconds = TARGET_SECONDS + overlaps - others
    return timeline


def _cpu() -> float:
    """CPU seconds used by finished child processes (ffmpeg, ffprobe) and this process."""
    times = os.times()
    return times.children_user + times.children_system + times.user + times.system


async def _raw_copy(store: LocalArtifactStore, timeline: pb.Timeline, film: Path, work: Path) -> Path:
    """The composed film's exact frames (re-rendered through the same graph) as raw video, with its sound."""
    settings = load_settings(ComposerSettings)
    slots = input_slots(timeline)
    files = await _fetch(store, slots, work)
    plan = build_plan(
        timeline,
        Inputs(files, await _probe_all(settings, slots, files)),
        plan_output(timeline.output),
        max_pixels=settings.max_image_pixels,
        max_seconds=settings.max_duration_seconds,
    )
    out = plan.output
    (work / "overlay.ass").write_text(to_ass(plan.subtitles, plan.captions, out.width, out.height))
    (work / "graph").write_text(";".join(video_graph(plan, "overlay.ass")))
    inputs = [arg for v in plan.visuals for arg in ("-i", str(v.path))] + ["-i", str(film)]
    raw = work / "frames.nut"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex_script", "graph", "-map", "[vout]",
         "-map", f"{len(plan.visuals)}:a", "-c:v", "rawvideo", "-c:a", "pcm_f32le", str(raw)],
        check=True, cwd=work,
    )  # fmt: skip
    return raw


def _bare_encode(source: Path, dest: Path, timeline: pb.Timeline) -> tuple[float, float]:
    settings = load_settings(ComposerSettings)
    out = plan_output(timeline.output)
    args = ["ffmpeg", "-v", "error", "-y", "-i", str(source)]
    args += out.video_args(settings.x264_preset) + out.audio_args() + out.container_args() + [str(dest)]
    started, cpu = time.perf_counter(), _cpu()
    subprocess.run(args, check=True)
    return time.perf_counter() - started, _cpu() - cpu


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-composer-") as tmp:
        store = LocalArtifactStore(Path(tmp) / "artifacts")
        timeline = await _timeline(store)
        composes: list[tuple[float, float]] = []
        bares: list[tuple[float, float]] = []
        reencodes: list[tuple[float, float]] = []
        raw: Path | None = None
        for _ in range(rounds):
            ctx = OperationContext(artifacts=store)
            started, cpu = time.perf_counter(), _cpu()
            result = await compose(pb.ComposeRequest(timeline=timeline), ctx)
            composes.append((time.perf_counter() - started, _cpu() - cpu))
            film = store.path_of(result.video)
            raw = raw or await _raw_copy(store, timeline, film, Path(tmp))
            bares.append(_bare_encode(raw, Path(tmp) / "bare.mp4", timeline))
            reencodes.append(_bare_encode(film, Path(tmp) / "reencode.mp4", timeline))
        print(f"film: {result.duration_seconds:.3f} s {result.width}x{result.height} @ {result.fps:g} fps, "
              f"{len(timeline.scenes)} scenes, {result.integrated_lufs:.1f} LUFS; {os.cpu_count()} cores")  # fmt: skip
        rows = (
            ("compose (probes, mix, loudness, render, poster)", composes),
            ("re-encode of the composed film (bare decode+encode)", reencodes),
            ("raw encode of the same frames (no decoding)", bares),
        )
        for name, runs in rows:
            print(f"{name:52s} wall {min(w for w, _ in runs):7.2f} s   cpu {min(c for _, c in runs):7.2f} s")
        for name, runs in rows[1:]:
            wall = min(w for w, _ in composes) / min(w for w, _ in runs)
            cpu = min(c for _, c in composes) / min(c for _, c in runs)
            print(f"ratio compose / {name.split(' (')[0]}: wall {wall:.2f}, cpu {cpu:.2f}")
        print("goal: compose / re-encode <= 1.2")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="repeat and keep the fastest of each")
    asyncio.run(main(parser.parse_args().rounds))
