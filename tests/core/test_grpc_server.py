"""Model servers over a real gRPC channel: health, reflection, error mapping, progress streams."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import grpc
import pytest
from prometheus_client import REGISTRY

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient, GrpcClient
from studio.core.errors import FailedPrecondition, InvalidInput, ModelNotInstalled, NotFound, Overloaded
from studio.core.grpc_server import ModelServer
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.core.registry import SERVICES
from studio.v1.composer_pb2 import ComposeRequest, ComposeResponse, ComposeResult
from tests.core.grpc_helpers import health_status, reflected_services


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_every_service_passes_health_and_reflection(name: str, artifacts: LocalArtifactStore) -> None:
    spec = SERVICES[name]
    definition = spec.load_factory()(artifacts)
    server = ModelServer(definition, artifacts, free_port(), host="127.0.0.1")
    address = f"127.0.0.1:{server.port}"
    await server.start()
    try:
        assert await health_status(address, spec.grpc_service) == "NOT_SERVING"
        await server.load_backends()
        assert await health_status(address) == "SERVING"
        assert await health_status(address, spec.grpc_service) == "SERVING"
        services = await reflected_services(address)
        assert spec.grpc_service in services
        assert "grpc.health.v1.Health" in services
    finally:
        await server.stop(grace=1)


ERRORS = {
    "bad": (InvalidInput("title: must not be empty"), grpc.StatusCode.INVALID_ARGUMENT),
    "missing": (NotFound("artifact 'x' not found"), grpc.StatusCode.NOT_FOUND),
    "busy": (Overloaded("queue full"), grpc.StatusCode.RESOURCE_EXHAUSTED),
    "nomodel": (ModelNotInstalled("no image-edit model installed"), grpc.StatusCode.FAILED_PRECONDITION),
    "bug": (ZeroDivisionError("secret internals"), grpc.StatusCode.INTERNAL),
}


async def compose(request: ComposeRequest, ctx: OperationContext) -> ComposeResult:
    title = request.timeline.title
    if title in ERRORS:
        raise ERRORS[title][0]
    for step in range(3):
        await ctx.progress((step + 1) / 3, f"step{step}", force=True)
        await asyncio.sleep(0.01)
    return ComposeResult(duration_seconds=float(len(title)))


def scripted_definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="scripted",
        grpc_service="studio.v1.ComposerService",
        operations=[Operation("Compose", ComposeRequest, ComposeResponse, compose)],
    )


@pytest.fixture
async def scripted(artifacts: LocalArtifactStore) -> AsyncIterator[GrpcClient]:
    server = ModelServer(scripted_definition(), artifacts, free_port(), host="127.0.0.1")
    await server.start()
    await server.load_backends()
    client = GrpcClient(f"127.0.0.1:{server.port}", "studio.v1.ComposerService")
    yield client
    await client.close()
    await server.stop(grace=1)


async def test_progress_then_result(scripted: GrpcClient) -> None:
    seen = []

    async def on_progress(progress):  # type: ignore[no-untyped-def]
        seen.append(progress.stage)

    result = await scripted.call("Compose", ComposeRequest(timeline={"title": "luna"}), on_progress)
    assert result.duration_seconds == 4.0
    assert seen == ["step0", "step1", "step2"]


@pytest.mark.parametrize("title", sorted(ERRORS))
async def test_exceptions_map_to_status_codes(scripted: GrpcClient, title: str) -> None:
    _, code = ERRORS[title]
    channel = scripted.channel
    call = channel.unary_stream(
        "/studio.v1.ComposerService/Compose",
        request_serializer=ComposeRequest.SerializeToString,
        response_deserializer=ComposeResponse.FromString,
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in call(ComposeRequest(timeline={"title": title}), timeout=10):
            pass
    assert caught.value.code() == code
    if code == grpc.StatusCode.INTERNAL:
        assert "secret internals" not in (caught.value.details() or "")
    else:
        assert str(ERRORS[title][0]) in (caught.value.details() or "")


async def test_client_raises_studio_errors(scripted: GrpcClient) -> None:
    with pytest.raises(InvalidInput, match="must not be empty"):
        await scripted.call("Compose", ComposeRequest(timeline={"title": "bad"}))
    with pytest.raises(FailedPrecondition, match="no image-edit model"):
        await scripted.call("Compose", ComposeRequest(timeline={"title": "nomodel"}))


async def test_requests_are_counted(scripted: GrpcClient) -> None:
    def count(code: str) -> float:
        value = REGISTRY.get_sample_value(
            "studio_grpc_requests_total", {"service": "scripted", "method": "Compose", "code": code}
        )
        return value or 0.0

    ok_before, bad_before = count("OK"), count("INVALID_ARGUMENT")
    await scripted.call("Compose", ComposeRequest(timeline={"title": "x"}))
    with pytest.raises(InvalidInput):
        await scripted.call("Compose", ComposeRequest(timeline={"title": "bad"}))
    assert count("OK") == ok_before + 1
    assert count("INVALID_ARGUMENT") == bad_before + 1


async def test_embedded_client_calls_the_same_operation(artifacts: LocalArtifactStore) -> None:
    client = EmbeddedClient(scripted_definition(), artifacts)
    result = await client.call("Compose", ComposeRequest(timeline={"title": "abc"}))
    assert result.duration_seconds == 3.0
    with pytest.raises(InvalidInput):
        await client.call("Compose", ComposeRequest(timeline={"title": "bad"}))


async def test_every_model_server_prices_its_operations_over_cost_service(artifacts: LocalArtifactStore) -> None:
    """studio.v1.CostService is served generically from the definition's `estimate`: nothing runs."""
    from studio.core.costs import total
    from studio.v1.common_pb2 import CostItem
    from studio.v1.composer_pb2 import ComposeRequest as Request

    ran: list[str] = []

    async def never(request: ComposeRequest, ctx: OperationContext) -> ComposeResult:
        ran.append(request.timeline.title)
        return ComposeResult()

    def price(rpc: str, request: object) -> object:
        assert rpc == "Compose" and isinstance(request, Request)
        item = CostItem(
            provider="local",
            model=request.timeline.title,
            unit="clip",
            quantity=2,
            unit_usd=0.5,
            usd=1.0,
            basis="estimate",
        )
        return total([item])

    definition = ServiceDefinition(
        name="composer",
        grpc_service=SERVICES["composer"].grpc_service,
        operations=[Operation("Compose", ComposeRequest, ComposeResponse, never)],
        estimate=price,  # type: ignore[arg-type]
    )
    server = ModelServer(definition, artifacts, free_port(), host="127.0.0.1")
    await server.start()
    client = GrpcClient(f"127.0.0.1:{server.port}", definition.grpc_service, timeout=5)
    try:
        request = ComposeRequest()
        request.timeline.title = "film"
        cost = await client.estimate("Compose", request)
        assert cost.usd == 1.0 and cost.items[0].model == "film" and ran == []
        with pytest.raises(NotFound, match="composer has no operation 'Animate'"):
            await client.estimate("Animate", request)
        with pytest.raises(InvalidInput, match=r"composer.Compose takes a studio.v1.ComposeRequest, not studio.v1"):
            await client.estimate("Compose", ComposeResult())
        assert "studio.v1.CostService" in await reflected_services(f"127.0.0.1:{server.port}")
    finally:
        await client.close()
        await server.stop(grace=1)
