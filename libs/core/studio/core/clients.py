"""Calling operations: in-process (embedded mode) or over gRPC. Same interface.

The studio pipeline and the gateway depend on `ServiceClient` only; which
wiring is used is configuration, not code.
"""

from __future__ import annotations

from typing import Any, Protocol

import grpc
from google.protobuf import descriptor_pool, message_factory
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.message import Message

from studio.core.artifacts.base import ArtifactStore
from studio.core.errors import from_grpc_status
from studio.core.grpc_server import COST_SERVICE, GRPC_OPTIONS, serialize
from studio.core.operations import OperationContext, ProgressSink, ServiceDefinition, _discard
from studio.v1.common_pb2 import Cost, EstimateCostRequest, EstimateCostResponse

#: Longest a price takes to work out (nothing runs: it is arithmetic on the server).
ESTIMATE_TIMEOUT = 10.0


class ServiceClient(Protocol):
    async def call(self, rpc: str, request: Message, on_progress: ProgressSink | None = None) -> Any:
        """Run operation `rpc`; return its result message (or response, for unary RPCs)."""
        ...

    async def close(self) -> None: ...


class EmbeddedClient:
    """Calls a service's operations directly, in this process."""

    def __init__(self, definition: ServiceDefinition, artifacts: ArtifactStore) -> None:
        self.definition = definition
        self.artifacts = artifacts

    async def call(self, rpc: str, request: Message, on_progress: ProgressSink | None = None) -> Any:
        op = self.definition.operation(rpc)
        ctx = OperationContext(artifacts=self.artifacts, on_progress=on_progress or _discard)
        return await op.invoke(request, ctx)

    async def close(self) -> None:
        if self.definition.close is not None:
            await self.definition.close()


class GrpcClient:
    """Calls a remote model server; progress messages go to `on_progress`."""

    def __init__(self, address: str, grpc_service: str, *, timeout: float | None = 3600.0) -> None:
        self.address = address
        self.grpc_service = grpc_service
        self.timeout = timeout
        self.channel = grpc.aio.insecure_channel(address, options=GRPC_OPTIONS)
        self._service = descriptor_pool.Default().FindServiceByName(grpc_service)

    async def call(self, rpc: str, request: Message, on_progress: ProgressSink | None = None) -> Any:
        method = self._service.FindMethodByName(rpc)
        if method is None:
            raise ValueError(f"{self.grpc_service} has no method {rpc}")
        response_type = message_factory.GetMessageClass(method.output_type)
        path = f"/{self.grpc_service}/{rpc}"
        try:
            if not method.server_streaming:
                unary = self.channel.unary_unary(path, serialize, response_type.FromString)
                return await unary(request, timeout=self.timeout)
            stream = self.channel.unary_stream(path, serialize, response_type.FromString)
            async for response in stream(request, timeout=self.timeout):
                kind = response.WhichOneof("event")
                if kind == "progress":
                    if on_progress is not None:
                        await on_progress(response.progress)
                elif kind == "result":
                    return response.result
        except grpc.aio.AioRpcError as error:
            raise from_grpc_status(error.code().name, error.details() or error.code().name) from None
        raise RuntimeError(f"{path} ended without a result")

    async def estimate(self, rpc: str, request: Message) -> Cost:
        """What operation `rpc` would cost with the server's own backends and prices (studio.v1.CostService)."""
        packed = AnyMessage()
        packed.Pack(request)
        method = self.channel.unary_unary(f"/{COST_SERVICE}/EstimateCost", serialize, EstimateCostResponse.FromString)
        try:
            response = await method(EstimateCostRequest(rpc=rpc, request=packed), timeout=ESTIMATE_TIMEOUT)
        except grpc.aio.AioRpcError as error:
            raise from_grpc_status(error.code().name, error.details() or error.code().name) from None
        return response.cost

    async def close(self) -> None:
        await self.channel.close()
