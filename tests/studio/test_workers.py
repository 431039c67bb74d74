"""Steps in local worker processes: same handlers, results and errors as in-process, progress relayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.errors import ConfigError, InvalidInput
from studio.pipeline.embedded import EmbeddedExecutor
from studio.pipeline.steps import Step
from studio.pipeline.workers import ProcessExecutor
from studio.v1.common_pb2 import Progress
from studio.v1.image_pb2 import GenerateRequest, GenerateResult


async def test_worker_results_match_in_process_and_errors_keep_their_class(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    await store.check()
    request = GenerateRequest(prompt="a lighthouse at dawn, watercolour", width=320, height=192, seed=7)
    reports: list[Progress] = []

    async def on_progress(progress: Progress) -> None:
        reports.append(progress)

    async with ProcessExecutor.open(store, 1, ["image"]) as workers:
        result = await workers.run(Step("frame:1@x", "image", "Generate", request, progress=on_progress))
        with pytest.raises(InvalidInput, match="width"):
            await workers.run(Step("frame:2@x", "image", "Generate", GenerateRequest(prompt="x", width=100)))
        assert workers.cpu_seconds["frame:1@x"] > 0
    assert isinstance(result, GenerateResult) and result.draft
    image = result.images[0]
    assert store.path_of(image.image).stat().st_size == image.image.size > 0

    async with EmbeddedExecutor.open(store, ["image"]) as in_process:
        same = await in_process.run(Step("frame:1@x", "image", "Generate", request))
    assert same.images[0].image.sha256 == image.image.sha256  # the same handler, deterministic per seed
    assert reports and reports[-1].fraction <= 1.0


async def test_a_service_that_cannot_load_is_one_clear_error(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path / "artifacts")
    with pytest.raises(ConfigError, match="the services did not load: unknown service 'nope'"):
        async with ProcessExecutor.open(store, 1, ["nope"]):
            pass
