"""Operations: each written once, called by gRPC, by the job worker and in-process.

An operation is an async function `(request, ctx) -> result`. Its gRPC form is a
server-streaming RPC whose response message has a `progress` / `result` oneof;
its job form is a message on `jobs.<service>.<operation>` whose payload is the
serialized request. Unary operations (model listings) return the response message.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

from google.protobuf.message import Message
from pydantic import SecretStr

from studio.core.artifacts.base import ArtifactStore
from studio.core.costs import CostMeter
from studio.core.errors import Cancelled
from studio.v1.common_pb2 import Cost, Progress

RequestT = TypeVar("RequestT", bound=Message)
ResultT = TypeVar("ResultT", bound=Message)

ProgressSink = Callable[[Progress], Awaitable[None]]


async def _discard(_: Progress) -> None:
    return None


@dataclass
class OperationContext:
    """What an operation may use besides its request: storage, progress, identity."""

    artifacts: ArtifactStore
    #: The job id, or a fresh id for direct calls; output keys derive from it.
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: The job's delivery number: each attempt writes keys of its own, so an attempt re-run after
    #: a crash never overwrites what an earlier attempt wrote (and a job may have recorded).
    attempt: int = 1
    on_progress: ProgressSink = _discard
    is_cancelled: Callable[[], bool] = lambda: False
    #: Hosted-provider keys for this run only (a tenant's own), by provider name; they win over the
    #: deployment's keys. Never logged, stored or sent anywhere but to that provider.
    credentials: Mapping[str, SecretStr] = field(default_factory=dict)
    #: What the run cost so far; the result's `cost` is its total.
    costs: CostMeter = field(default_factory=CostMeter)
    _last_progress: float = 0.0
    _last_stage: str | None = None

    def output_key(self, name: str) -> str:
        return f"runs/{self.run_id}/{self.attempt}/{name}"

    async def progress(self, fraction: float, stage: str = "", message: str = "", *, force: bool = False) -> None:
        """Report progress (throttled to ~10 per second unless forced, final or a new stage)."""
        now = time.monotonic()
        if not force and fraction < 1.0 and stage == self._last_stage and now - self._last_progress < 0.1:
            return
        self._last_progress, self._last_stage = now, stage
        await self.on_progress(Progress(fraction=max(0.0, min(1.0, fraction)), stage=stage, message=message))

    def raise_if_cancelled(self) -> None:
        if self.is_cancelled():
            raise Cancelled(f"run {self.run_id} was cancelled")


Handler = Callable[[RequestT, OperationContext], Coroutine[Any, Any, ResultT]]


class StreamedResponseType(Protocol):
    """The class of a streamed `XResponse`: its `progress` / `result` oneof, set by keyword.

    protobuf's stubs type a generic `type[Message]` constructor without fields; every
    streamed response in protos/studio/v1 has exactly these two.
    """

    def __call__(self, *, progress: Progress = ..., result: Message = ...) -> Message: ...


def snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Operation(Generic[RequestT, ResultT]):
    """One RPC of a service.

    `rpc` is the method name in the proto service; `response_type` is the
    streamed `XResponse` (progress/result oneof) or, for unary operations,
    the response itself.
    """

    rpc: str
    request_type: type[RequestT]
    response_type: type[Message]
    handler: Handler[RequestT, ResultT]
    unary: bool = False

    async def invoke(self, request: RequestT, ctx: OperationContext) -> ResultT:
        """Run the handler; a streamed result leaves with what the run cost (`ctx.costs`) in its `cost`."""
        result = await self.handler(request, ctx)
        if not self.unary and "cost" in result.DESCRIPTOR.fields_by_name:
            result.cost.CopyFrom(ctx.costs.cost())  # type: ignore[attr-defined]
        return result

    @property
    def name(self) -> str:
        """The job subject's last token: "Synthesize" -> "synthesize"."""
        return snake_case(self.rpc)

    @property
    def result_type(self) -> type[Message]:
        if self.unary:
            return self.response_type
        from google.protobuf import message_factory

        result_desc = self.response_type.DESCRIPTOR.fields_by_name["result"].message_type
        assert result_desc is not None, f"{self.response_type.__name__}.result is not a message"
        return message_factory.GetMessageClass(result_desc)  # type: ignore[arg-type]

    @property
    def _streamed_response(self) -> StreamedResponseType:
        assert not self.unary, f"{self.rpc} is unary: its response has no progress/result oneof"
        return cast(StreamedResponseType, self.response_type)

    def progress_response(self, progress: Progress) -> Message:
        return self._streamed_response(progress=progress)

    def result_response(self, result: Message) -> Message:
        return self._streamed_response(result=result)


@dataclass
class ServiceDefinition:
    """A model server: its proto service, operations, and backend lifecycle."""

    #: Short name used in subjects, metrics and logs: "audio".
    name: str
    #: Fully qualified proto service: "studio.v1.AudioService".
    grpc_service: str
    operations: Sequence[Operation[Any, Any]] = ()
    #: Load (and warm) backends; health turns SERVING only after it returns.
    load: Callable[[], Awaitable[None]] | None = None
    #: Release backends at shutdown.
    close: Callable[[], Awaitable[None]] | None = None
    #: Hand-written gRPC handlers for RPCs that do not fit the operation shape (e.g. audio chunk streams).
    extra_handlers: dict[str, Any] = field(default_factory=dict)
    #: Names of the backends it loaded, for metrics.
    backends: Sequence[str] = ()
    #: What an operation would cost, `(rpc, request) -> Cost`, without running or loading anything;
    #: None for a service whose work is all on the CPU (free).
    estimate: Callable[[str, Message], Cost] | None = None

    def estimated_cost(self, rpc: str, request: Message) -> Cost:
        return self.estimate(rpc, request) if self.estimate is not None else Cost(usd=0.0, basis="free")

    def operation(self, name: str) -> Operation[Any, Any]:
        for op in self.operations:
            if op.name == name or op.rpc == name:
                return op
        from studio.core.errors import NotFound

        known = ", ".join(op.name for op in self.operations) or "none"
        raise NotFound(f"{self.name} has no operation {name!r} (known: {known})")
