"""OperationContext.progress: about ten reports a second, but never a new stage or the end left out."""

from __future__ import annotations

from typing import cast

from studio.core.artifacts.base import ArtifactStore
from studio.core.operations import OperationContext, Progress


async def test_a_new_stage_is_reported_even_within_the_throttle() -> None:
    seen: list[Progress] = []

    async def sink(progress: Progress) -> None:
        seen.append(progress)

    ctx = OperationContext(artifacts=cast(ArtifactStore, None), on_progress=sink)
    await ctx.progress(0.05, "encoding")
    for step in range(1, 20):  # a fast model: every step well within 0.1 s of the last report
        await ctx.progress(0.1 + step * 0.04, "denoising")
    await ctx.progress(1.0, "done")
    assert [(p.stage, round(p.fraction, 2)) for p in seen] == [("encoding", 0.05), ("denoising", 0.14), ("done", 1.0)]
