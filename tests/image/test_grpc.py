"""The image service over real gRPC: streamed progress, results, and status codes for bad requests."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import GrpcClient
from studio.core.grpc_server import ModelServer
from studio.image.service import build_service
from studio.v1.common_pb2 import Progress
from studio.v1.image_pb2 import EditRequest, GenerateRequest, ListImageModelsRequest

from .conftest import cpu_residency, image_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def address(artifacts: LocalArtifactStore, empty_models_dir: Path) -> AsyncIterator[str]:
    definition = build_service(artifacts, image_settings(models_dir=empty_models_dir), cpu_residency())
    server = ModelServer(definition, artifacts, free_port(), host="127.0.0.1")
    await server.start()
    await server.load_backends()
    try:
        yield f"127.0.0.1:{server.port}"
    finally:
        await server.stop(grace=1)


async def test_generate_streams_progress_then_the_result(address: str) -> None:
    client = GrpcClient(address, "studio.v1.ImageService", timeout=60)
    events: list[Progress] = []

    async def on_progress(progress: Progress) -> None:
        events.append(progress)

    try:
        result = await client.call(
            "Generate", GenerateRequest(prompt="a windmill", width=128, height=64, seed=2), on_progress
        )
        models = await client.call("ListImageModels", ListImageModelsRequest())
    finally:
        await client.close()
    assert result.draft and (result.images[0].width, result.images[0].height) == (128, 64)
    assert events and events[-1].stage == "done"
    assert "draft" in {m.name for m in models.models}


@pytest.mark.parametrize(
    ("rpc", "request_message", "code", "detail"),
    [
        ("Generate", GenerateRequest(prompt="x", width=100), grpc.StatusCode.INVALID_ARGUMENT, "width"),
        ("Generate", GenerateRequest(prompt=""), grpc.StatusCode.INVALID_ARGUMENT, "prompt"),
        ("Generate", GenerateRequest(prompt="x", steps=5000), grpc.StatusCode.INVALID_ARGUMENT, "steps"),
        ("Generate", GenerateRequest(prompt="x", guidance=99), grpc.StatusCode.INVALID_ARGUMENT, "guidance"),
        ("Edit", EditRequest(instruction="x"), grpc.StatusCode.INVALID_ARGUMENT, "image: required"),
    ],
)
async def test_bad_requests_map_to_status_codes(
    address: str, rpc: str, request_message: object, code: grpc.StatusCode, detail: str
) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        method = channel.unary_stream(
            f"/studio.v1.ImageService/{rpc}",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=lambda b: b,
        )
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            async for _ in method(request_message, timeout=30):
                pass
    assert raised.value.code() == code
    assert detail in (raised.value.details() or "")


async def test_unknown_model_is_not_found_over_grpc(address: str) -> None:
    pytest.importorskip("diffusers")
    async with grpc.aio.insecure_channel(address) as channel:
        method = channel.unary_stream(
            "/studio.v1.ImageService/Generate",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=lambda b: b,
        )
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            async for _ in method(GenerateRequest(prompt="x", model="nonexistent"), timeout=60):
                pass
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert "installed:" in (raised.value.details() or "")
