"""A studio for the n8n nodes: the real gateway over Postgres/NATS with the instant fake model
servers, which here also list models (for the dropdowns) and stall on request (so timeouts
and cancels are deterministic)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from studio.core.artifacts.base import ArtifactStore
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.v1 import image_pb2
from studio.v1.common_pb2 import ModelInfo
from tests.conftest import NATS_URL
from tests.gateway.conftest import TEST_OVERRIDES, database_factory  # noqa: F401 - a fixture used here
from tests.gateway.fakes import FAKE_SERVICES
from tests.gateway.stack import Stack
from tests.n8n.toolchain import build_package

#: All node test files share one key, and one of them pages through 220 jobs: rate limits
#: (tested in tests/gateway) would only make them wait.
NODE_TEST_OVERRIDES = {
    **TEST_OVERRIDES,
    "rate_limits": {},
    "rate_limit_read_per_minute": 100_000,
    "rate_limit_write_per_minute": 100_000,
}

STALL = "[stall]"
STALL_SECONDS = 60.0

#: A model listing the image fake lacks: (rpc, request, response, model). The video fake
#: keeps lacking one, so a dropdown meets a model server that cannot list its models.
LISTINGS: dict[str, tuple[str, Any, Any, ModelInfo]] = {
    "image": (
        "ListImageModels",
        image_pb2.ListImageModelsRequest,
        image_pb2.ListImageModelsResponse,
        ModelInfo(name="fake-image", backend="fake", task="text-to-image", installed=True, description="instant"),
    ),
}


def listing(name: str) -> list[Operation[Any, Any]]:
    if name not in LISTINGS:
        return []
    rpc, request_type, response_type, model = LISTINGS[name]

    async def list_models(request: Any, ctx: OperationContext) -> Any:
        return response_type(models=[model])

    return [Operation(rpc, request_type, response_type, list_models, unary=True)]


def stalling(factory: Callable[[ArtifactStore], ServiceDefinition]) -> Callable[[ArtifactStore], ServiceDefinition]:
    """The fake service, listing its models, except that a request mentioning "[stall]" runs
    until it is cancelled."""

    def make(artifacts: ArtifactStore) -> ServiceDefinition:
        definition = factory(artifacts)

        def wrap(handler: Any) -> Any:
            async def handle(request: Any, ctx: OperationContext) -> Any:
                if STALL in str(request):
                    for _ in range(int(STALL_SECONDS / 0.1)):
                        ctx.raise_if_cancelled()
                        await asyncio.sleep(0.1)
                return await handler(request, ctx)

            return handle

        operations = [dataclasses.replace(op, handler=wrap(op.handler)) for op in definition.operations]
        operations += listing(definition.name)
        return dataclasses.replace(definition, operations=operations)

    return make


@pytest.fixture(scope="session")
def n8n_stack(database_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:  # noqa: F811
    running = Stack(
        database_url=database_factory(),
        nats_url=NATS_URL,
        artifacts_dir=tmp_path_factory.mktemp("n8n-artifacts"),
        services={name: stalling(factory) for name, factory in FAKE_SERVICES.items()},
        gateway_overrides=NODE_TEST_OVERRIDES,
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def package_dist() -> Path:
    return build_package()
