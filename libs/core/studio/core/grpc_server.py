"""gRPC server bootstrap on grpc.aio.

Handlers come from a ServiceDefinition's operations (no hand-written servicers);
one interceptor maps StudioError to status codes, records metrics and tags logs
with the request id; grpc.health.v1 reports NOT_SERVING until backends are
loaded and warm; reflection lists the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import Message
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from studio.core.artifacts.base import ArtifactStore
from studio.core.errors import ConfigError, InvalidInput, StudioError
from studio.core.logging import log_context
from studio.core.metrics import BACKEND_LOAD_SECONDS, BACKEND_READY, GRPC_IN_FLIGHT, GRPC_LATENCY, GRPC_REQUESTS
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.v1.common_pb2 import EstimateCostRequest, EstimateCostResponse

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 32 * 1024 * 1024
GRPC_OPTIONS = [
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
]


def _request_id(context: grpc.aio.ServicerContext) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == "x-request-id" and isinstance(value, str) and value:
            return value[:128]
    return uuid.uuid4().hex


async def _abort(context: grpc.aio.ServicerContext, error: BaseException, method: str, request_id: str) -> None:
    if isinstance(error, StudioError):
        await context.abort(grpc.StatusCode[error.grpc_status], error.message)
    log.error("unhandled error in %s", method, exc_info=error)
    await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request {request_id}); see service logs")


class StudioInterceptor(grpc.aio.ServerInterceptor):
    """Exceptions -> status codes, plus metrics and request-id log context, for every RPC."""

    def __init__(self, service: str) -> None:
        self.service = service

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method.rsplit("/", 1)[-1]
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=self._wrap_unary(handler.unary_unary, method))  # type: ignore[attr-defined,no-any-return]
        if handler.unary_stream is not None:
            return handler._replace(unary_stream=self._wrap_stream(handler.unary_stream, method))  # type: ignore[attr-defined,no-any-return]
        return handler

    def _wrap_unary(self, behavior: Any, method: str) -> Any:
        async def wrapped(request: Message, context: grpc.aio.ServicerContext) -> Any:
            request_id = _request_id(context)
            with self._observe(method) as outcome, log_context(request_id=request_id):
                try:
                    response = await behavior(request, context)
                except (asyncio.CancelledError, grpc.aio.AbortError):
                    outcome["code"] = "CANCELLED"
                    raise
                except BaseException as error:  # noqa: BLE001 - mapped to a status
                    outcome["code"] = _code_name(error)
                    await _abort(context, error, method, request_id)
                return response

        return wrapped

    def _wrap_stream(self, behavior: Any, method: str) -> Any:
        async def wrapped(request: Message, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            request_id = _request_id(context)
            with self._observe(method) as outcome, log_context(request_id=request_id):
                try:
                    async for response in behavior(request, context):
                        yield response
                except (asyncio.CancelledError, grpc.aio.AbortError, GeneratorExit):
                    outcome["code"] = "CANCELLED"
                    raise
                except BaseException as error:  # noqa: BLE001 - mapped to a status
                    outcome["code"] = _code_name(error)
                    await _abort(context, error, method, request_id)

        return wrapped

    @contextlib.contextmanager
    def _observe(self, method: str) -> Any:
        outcome = {"code": "OK"}
        GRPC_IN_FLIGHT.labels(self.service, method).inc()
        started = time.perf_counter()
        try:
            yield outcome
        finally:
            GRPC_IN_FLIGHT.labels(self.service, method).dec()
            GRPC_LATENCY.labels(self.service, method).observe(time.perf_counter() - started)
            GRPC_REQUESTS.labels(self.service, method, outcome["code"]).inc()


def _code_name(error: BaseException) -> str:
    return error.grpc_status if isinstance(error, StudioError) else "INTERNAL"


def serialize(message: Message) -> bytes:
    return message.SerializeToString()


def _unary_behavior(op: Operation[Any, Any], artifacts: ArtifactStore) -> Any:
    async def behavior(request: Message, context: grpc.aio.ServicerContext) -> Message:
        return await op.invoke(request, OperationContext(artifacts=artifacts))

    return behavior


def _stream_behavior(op: Operation[Any, Any], artifacts: ArtifactStore) -> Any:
    async def behavior(request: Message, context: grpc.aio.ServicerContext) -> AsyncIterator[Message]:
        updates: asyncio.Queue[Message] = asyncio.Queue()

        async def on_progress(progress: Any) -> None:
            await updates.put(op.progress_response(progress))

        # A fresh run id, never the caller's request id: two calls must not share output keys.
        ctx = OperationContext(artifacts=artifacts, on_progress=on_progress)
        work = asyncio.create_task(op.invoke(request, ctx))
        try:
            while True:
                getter = asyncio.ensure_future(updates.get())
                done, _ = await asyncio.wait({work, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield getter.result()
                    continue
                getter.cancel()
                while not updates.empty():
                    yield updates.get_nowait()
                yield op.result_response(work.result())
                return
        finally:
            if not work.done():
                work.cancel()

    return behavior


def generic_handler(definition: ServiceDefinition, artifacts: ArtifactStore) -> grpc.GenericRpcHandler:
    handlers: dict[str, grpc.RpcMethodHandler] = {}
    for op in definition.operations:
        if op.unary:
            handlers[op.rpc] = grpc.unary_unary_rpc_method_handler(
                _unary_behavior(op, artifacts), op.request_type.FromString, serialize
            )
        else:
            handlers[op.rpc] = grpc.unary_stream_rpc_method_handler(
                _stream_behavior(op, artifacts), op.request_type.FromString, serialize
            )
    handlers.update(definition.extra_handlers)
    return grpc.method_handlers_generic_handler(definition.grpc_service, handlers)


COST_SERVICE = "studio.v1.CostService"


def cost_handler(definition: ServiceDefinition) -> grpc.GenericRpcHandler:
    """studio.v1.CostService, the same for every model server: its operations priced, never run."""

    async def estimate_cost(request: EstimateCostRequest, context: grpc.aio.ServicerContext) -> EstimateCostResponse:
        op = definition.operation(request.rpc)
        expected = op.request_type.DESCRIPTOR.full_name
        if request.request.TypeName() != expected:
            raise InvalidInput(
                f"request: {definition.name}.{op.rpc} takes a {expected}, not {request.request.TypeName() or 'nothing'}"
            )
        inner = op.request_type()
        request.request.Unpack(inner)
        return EstimateCostResponse(cost=definition.estimated_cost(op.rpc, inner))

    handlers = {
        "EstimateCost": grpc.unary_unary_rpc_method_handler(estimate_cost, EstimateCostRequest.FromString, serialize)
    }
    return grpc.method_handlers_generic_handler(COST_SERVICE, handlers)


class ModelServer:
    """A started gRPC server for one ServiceDefinition."""

    def __init__(
        self, definition: ServiceDefinition, artifacts: ArtifactStore, port: int, host: str = "0.0.0.0"
    ) -> None:
        self.definition = definition
        self.server = grpc.aio.server(interceptors=[StudioInterceptor(definition.name)], options=GRPC_OPTIONS)
        self.server.add_generic_rpc_handlers((generic_handler(definition, artifacts), cost_handler(definition)))
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection(
            (definition.grpc_service, COST_SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME), self.server
        )
        try:
            self.port = self.server.add_insecure_port(f"{host}:{port}")
        except RuntimeError:
            self.port = 0
        if self.port == 0:
            raise ConfigError(f"cannot listen on {host}:{port} for {definition.name} (port in use? pass --port)")

    async def _set_health(self, status: int) -> None:
        for name in ("", self.definition.grpc_service):
            await self.health.set(name, status)  # type: ignore[arg-type]

    async def start(self) -> None:
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.start()

    async def load_backends(self) -> None:
        """Load and warm backends, then report SERVING."""
        started = time.perf_counter()
        if self.definition.load is not None:
            await self.definition.load()
        elapsed = time.perf_counter() - started
        for backend in self.definition.backends or ("default",):
            BACKEND_LOAD_SECONDS.labels(self.definition.name, backend).set(elapsed)
        BACKEND_READY.labels(self.definition.name).set(1)
        await self._set_health(health_pb2.HealthCheckResponse.SERVING)
        log.info("%s ready in %.2fs", self.definition.name, elapsed)

    async def stop(self, grace: float = 30.0) -> None:
        """Stop taking calls, let in-flight calls finish (up to `grace`), release backends."""
        BACKEND_READY.labels(self.definition.name).set(0)
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.stop(grace)
        if self.definition.close is not None:
            await self.definition.close()
