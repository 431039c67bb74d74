"""Compose over real gRPC: progress is streamed, the result arrives, bad input maps to INVALID_ARGUMENT."""

from __future__ import annotations

import pytest

from studio.composer.service import build_service
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import GrpcClient
from studio.core.errors import InvalidInput
from studio.core.grpc_server import ModelServer
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import Progress
from tests.composer.conftest import Media, Upload


async def test_compose_over_grpc(media: Media, artifacts: LocalArtifactStore, upload: Upload) -> None:
    server = ModelServer(build_service(artifacts), artifacts, port=0, host="127.0.0.1")
    await server.start()
    await server.load_backends()
    client = GrpcClient(f"127.0.0.1:{server.port}", "studio.v1.ComposerService", timeout=120)
    try:
        t = pb.Timeline()
        t.scenes.add(name="only", still=pb.Still(image=await upload(media.still), duration_seconds=0.5))
        t.output.CopyFrom(pb.OutputSpec(width=32, height=32, fps=10))
        stages: list[str] = []

        async def on_progress(progress: Progress) -> None:
            stages.append(progress.stage)

        result = await client.call("Compose", pb.ComposeRequest(timeline=t), on_progress)
        assert isinstance(result, pb.ComposeResult)
        assert result.duration_seconds == pytest.approx(0.5) and await artifacts.exists(result.video.key)
        assert "probing" in stages and stages[-1] == "done"

        t.scenes[0].still.duration_seconds = 0
        with pytest.raises(InvalidInput, match=r"scene 1 \('only'\) still.duration_seconds"):
            await client.call("Compose", pb.ComposeRequest(timeline=t))
    finally:
        await client.close()
        await server.stop(grace=1)
