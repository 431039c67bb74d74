"""The video service over real gRPC: progress then result on the stream, studio errors as status codes."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from studio.core.clients import GrpcClient
from studio.core.errors import FailedPrecondition
from studio.core.grpc_server import ModelServer
from studio.v1.common_pb2 import Progress
from studio.v1.video_pb2 import CreateAvatarVideoRequest, ListVideoModelsRequest
from tests.video.conftest import VideoHarness


async def test_grpc_round_trip(video: VideoHarness, astronaut_png: Path, gradient_png: Path, phrase_wav: Path) -> None:
    server = ModelServer(video.definition, video.store, 0, host="127.0.0.1")
    await server.start()
    await server.load_backends()
    client = GrpcClient(f"127.0.0.1:{server.port}", "studio.v1.VideoService", timeout=120)
    try:
        listed = await client.call("ListVideoModels", ListVideoModelsRequest())
        assert "puppet" in {m.name for m in listed.models}

        seen: list[Progress] = []

        async def on_progress(progress: Progress) -> None:
            seen.append(progress)

        audio = await video.put(phrase_wav)
        request = CreateAvatarVideoRequest(portrait=await video.put(astronaut_png), audio=audio, width=256, height=256)
        result = await client.call("CreateAvatarVideo", request, on_progress)
        assert result.backend == "puppet" and result.width == 256 and await video.store.exists(result.video.key)
        assert seen and seen[0].stage == "loading" and "rendering" in {p.stage for p in seen}

        no_face = CreateAvatarVideoRequest(portrait=await video.put(gradient_png), audio=audio)
        with pytest.raises(FailedPrecondition, match="no face found in portrait"):
            await client.call("CreateAvatarVideo", no_face)
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
        stream = channel.unary_stream(
            "/studio.v1.VideoService/CreateAvatarVideo", CreateAvatarVideoRequest.SerializeToString, lambda b: b
        )
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in stream(no_face):
                pass
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        await channel.close()
    finally:
        await client.close()
        await server.stop(1.0)
