"""Compose a 30 s 720p timeline and compare with one bare ffmpeg encode of the same output.

The timeline is examples/timeline.yaml (six scenes, stills with pan/zoom, clips at
24/25/30 fps, narration, ducked music, burned subtitles) with its last scene held
longer so the film lasts 30 s. The bare encode decodes the composed film and
encodes it again with the same encoder settings: the least a single render of that
output can cost. Goal: compose / bare <= 1.2.

    .venv/bin/python benchmarks/composer.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import tempfile
import time
from pathlib import Path

from studio.composer.output import plan_output
from studio.composer.service import compose
from studio.composer.settings import ComposerSettings
from studio.composer.timeline_file import load_timeline
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


def _bare_encode(source: Path, dest: Path, timeline: pb.Timeline) -> float:
    settings = load_settings(ComposerSettings)
    out = plan_output(timeline.output)
    args = ["ffmpeg", "-v", "error", "-y", "-i", str(source)]
    args += out.video_args(settings.x264_preset) + out.audio_args() + out.container_args() + [str(dest)]
    started = time.perf_counter()
    subprocess.run(args, check=True)
    return time.perf_counter() - started


async def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-composer-") as tmp:
        store = LocalArtifactStore(Path(tmp) / "artifacts")
        timeline = await _timeline(store)
        composes, bares = [], []
        for _ in range(rounds):
            ctx = OperationContext(artifacts=store)
            started = time.perf_counter()
            result = await compose(pb.ComposeRequest(timeline=timeline), ctx)
            composes.append(time.perf_counter() - started)
            film = store.path_of(result.video)
            bares.append(_bare_encode(film, Path(tmp) / "bare.mp4", timeline))
        best_compose, best_bare = min(composes), min(bares)
        print(f"film: {result.duration_seconds:.3f} s {result.width}x{result.height} @ {result.fps:g} fps, "
              f"{len(timeline.scenes)} scenes, {result.integrated_lufs:.1f} LUFS")  # fmt: skip
        print(f"compose (probe + mix/measure + render + poster): {best_compose:.2f} s  (rounds: "
              + ", ".join(f"{t:.2f}" for t in composes) + ")")  # fmt: skip
        print(f"bare single ffmpeg encode of the same output:   {best_bare:.2f} s  (rounds: "
              + ", ".join(f"{t:.2f}" for t in bares) + ")")  # fmt: skip
        print(f"ratio compose / bare: {best_compose / best_bare:.2f}  (goal <= 1.2)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="repeat and keep the fastest of each")
    asyncio.run(main(parser.parse_args().rounds))
