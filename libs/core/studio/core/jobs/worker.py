"""The worker loop: pull jobs for one service and run the same operations gRPC runs.

Outcomes map onto JetStream acknowledgements:
- success                          -> `completed` event, ack
- permanent error (bad input, ...) -> one `failed` event, term (never redelivered)
- transient error / crash          -> nak with exponential delay, until max_deliver,
                                      then one `failed` event and term
- process killed                   -> no ack; JetStream redelivers after ack_wait
While a job runs, heartbeats (`in_progress`, every quarter of ack_wait) keep it from
being redelivered, and the cancel bucket is polled so a cancelled job stops.

A terminal event is recorded in the outcomes bucket before it is published and the job
acknowledged. A delivery whose job already has a recorded outcome (its worker died
before the ack) republishes that outcome and is acknowledged without running: the
outputs the job names are never produced twice. Each attempt writes its outputs under
keys of its own (`runs/<job>/<attempt>/...`), and stores refuse to overwrite a key, so
an attempt that loses the race to record never touches the recorded outputs; it removes
its own instead (the gateway sweeps what killed attempts left).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from typing import Any

from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from pydantic import SecretStr

from studio.core.artifacts.base import ArtifactStore
from studio.core.errors import Cancelled, InvalidInput, NotFound, StudioError
from studio.core.jobs.transport import JobTransport, check_job_id, event_kind
from studio.core.logging import log_context
from studio.core.metrics import JOB_LATENCY, JOBS, JOBS_IN_PROGRESS
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.core.providers.credentials import HEADER, secret_key, unseal
from studio.core.providers.settings import ProviderSettings
from studio.core.settings import load_settings
from studio.v1.common_pb2 import ERROR_CODE_INTERNAL, JobCompleted, JobEvent, JobFailed, JobStarted, Progress

log = logging.getLogger(__name__)


class JobWorker:
    def __init__(
        self,
        transport: JobTransport,
        service: ServiceDefinition,
        artifacts: ArtifactStore,
        *,
        concurrency: int = 1,
        shutdown_grace: float = 30.0,
    ) -> None:
        self.transport = transport
        self.service = service
        self.artifacts = artifacts
        self.concurrency = max(1, concurrency)
        self.shutdown_grace = shutdown_grace
        self.worker_name = f"{socket.gethostname()}:{os.getpid()}"
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: dict[asyncio.Task[None], Msg] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Pull and run jobs until `stop` is set, then finish (or hand back) in-flight jobs."""
        t = self.transport
        durable = await t.ensure_consumer(self.service.name)
        sub = await t.js.pull_subscribe_bind(durable, stream=t.names.jobs_stream)
        log.info("worker pulling %s jobs (concurrency %d)", self.service.name, self.concurrency)
        try:
            while not stop.is_set():
                free = self.concurrency - len(self._tasks)
                if free <= 0:
                    await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
                    continue
                try:
                    messages = await sub.fetch(free, timeout=0.5)
                except (TimeoutError, NatsTimeoutError):
                    continue
                for msg in messages:
                    task = asyncio.create_task(self._handle(msg))
                    self._tasks.add(task)
                    self._in_flight[task] = msg
                    task.add_done_callback(self._forget)
        finally:
            await self._drain()
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._in_flight.pop(task, None)

    async def _drain(self) -> None:
        if not self._tasks:
            return
        log.info("waiting up to %.0fs for %d in-flight jobs", self.shutdown_grace, len(self._tasks))
        _, pending = await asyncio.wait(self._tasks, timeout=self.shutdown_grace)
        for task in pending:  # hand unfinished jobs back for another replica
            msg = self._in_flight.get(task)
            task.cancel()
            if msg is not None:
                with contextlib.suppress(Exception):
                    await msg.nak()

    async def _handle(self, msg: Msg) -> None:
        t = self.transport
        _, op_name = t.names.operation_of(msg.subject)
        headers = msg.headers or {}
        job_id = headers.get("Studio-Job-Id") or headers.get("Nats-Msg-Id") or f"seq-{msg.metadata.sequence.stream}"
        attempt = int(msg.metadata.num_delivered or 1)
        qualified = f"{self.service.name}.{op_name}"
        started = time.perf_counter()
        JOBS_IN_PROGRESS.labels(self.service.name).inc()
        with log_context(job_id=job_id):
            try:
                check_job_id(job_id)
                outcome = await self._run(msg, job_id, op_name, qualified, attempt)
            except InvalidInput as error:  # not submitted through JobTransport: nothing to answer
                log.warning("dropping a %s job: %s", qualified, error.message)
                await msg.term()
                outcome = "failed"
            except Exception as error:  # noqa: BLE001 - NATS unreachable mid-job: another delivery finishes it
                log.warning("job %s attempt %d interrupted (%s); it will be redelivered", job_id, attempt, error)
                with contextlib.suppress(Exception):
                    await msg.nak(delay=self.transport.settings.job_retry_delay)
                outcome = "retried"
            finally:
                JOBS_IN_PROGRESS.labels(self.service.name).dec()
            JOBS.labels(self.service.name, op_name, outcome).inc()
            JOB_LATENCY.labels(self.service.name, op_name, outcome).observe(time.perf_counter() - started)

    async def _run(self, msg: Msg, job_id: str, op_name: str, qualified: str, attempt: int) -> str:
        t = self.transport
        # Both looked up at once: one round trip to JetStream before the job runs, not two.
        recorded, cancelled = await asyncio.gather(t.recorded_outcome(job_id), t.is_cancelled(job_id))
        if recorded is not None:
            log.info("job %s already finished (attempt %d found its outcome); not running it again", job_id, attempt)
            await self._settle(msg, recorded)
            return "duplicate"
        try:
            op = self.service.operation(op_name)
            if op.unary:
                raise NotFound(f"{qualified} is not a job operation")
            try:
                request = op.request_type.FromString(msg.data)
            except DecodeError:
                raise InvalidInput(f"job payload is not a valid {op.request_type.DESCRIPTOR.full_name}") from None
            if cancelled:
                raise Cancelled(f"job {job_id} was cancelled before it started")
            credentials = self._credentials(msg, job_id)
        except StudioError as error:
            await self._fail(msg, job_id, qualified, error, attempt)
            return "cancelled" if isinstance(error, Cancelled) else "failed"

        await t.publish_event(
            JobEvent(job_id=job_id, operation=qualified, started=JobStarted(worker=self.worker_name, attempt=attempt))
        )
        try:
            result = await self._run_with_heartbeat(msg, op, request, job_id, qualified, attempt, credentials)
        except StudioError as error:
            if error.retryable and attempt < t.settings.job_max_deliver:
                return await self._retry(msg, attempt, error.message)
            await self._fail(msg, job_id, qualified, error, attempt)
            return "cancelled" if isinstance(error, Cancelled) else "failed"
        except Exception as error:
            log.exception("job %s failed on attempt %d", job_id, attempt)
            if attempt < t.settings.job_max_deliver:
                return await self._retry(msg, attempt, f"{type(error).__name__}: {error}")
            failure = StudioError(f"internal error in {qualified} after {attempt} attempts; see service logs")
            failure.error_code = ERROR_CODE_INTERNAL
            await self._fail(msg, job_id, qualified, failure, attempt)
            return "failed"
        packed = AnyMessage()
        packed.Pack(result)
        completed = JobCompleted(result=packed)
        if "cost" in result.DESCRIPTOR.fields_by_name:
            completed.cost.CopyFrom(result.cost)
        ours = JobEvent(job_id=job_id, operation=qualified, completed=completed)
        recorded = await self.transport.record_outcome(ours)
        if recorded is not ours:  # another attempt recorded first: its outputs count, ours are litter
            await self._sweep_attempt(job_id, attempt)
        await self._settle(msg, recorded)
        log.info("job %s completed", qualified)
        return "completed"

    async def _sweep_attempt(self, job_id: str, attempt: int) -> None:
        prefix = f"runs/{job_id}/{attempt}/"
        try:
            removed = await self.artifacts.delete_under(prefix)
        except Exception as error:  # noqa: BLE001 - litter, not loss: the gateway sweeps losing attempts too
            log.warning("could not remove the outputs of a losing attempt under %s: %s", prefix, error)
            return
        log.info("job %s attempt %d lost the race to record; removed its %d outputs", job_id, attempt, len(removed))

    async def _finish(self, msg: Msg, event: JobEvent) -> None:
        """Record the terminal event (an earlier record wins), publish the recorded one, settle the job."""
        await self._settle(msg, await self.transport.record_outcome(event))

    async def _settle(self, msg: Msg, outcome: JobEvent) -> None:
        await self.transport.publish_event(outcome)
        if event_kind(outcome) == "completed":
            await msg.ack()
        else:
            await msg.term()

    def _credentials(self, msg: Msg, job_id: str) -> dict[str, SecretStr]:
        """The job's own provider keys (a tenant's), when the gateway sealed some onto it."""
        sealed = (msg.headers or {}).get(HEADER)
        if not sealed:
            return {}
        settings = load_settings(ProviderSettings)
        encoded = settings.provider_credentials_secret.get_secret_value()
        return unseal(sealed, secret_key(encoded) if encoded else None, job_id)

    async def _run_with_heartbeat(
        self,
        msg: Msg,
        op: Operation[Any, Any],
        request: Any,
        job_id: str,
        qualified: str,
        attempt: int,
        credentials: dict[str, SecretStr],
    ) -> Any:
        t = self.transport
        cancelled = False

        async def on_progress(progress: Progress) -> None:
            await t.publish_event(JobEvent(job_id=job_id, operation=qualified, progress=progress))

        ctx = OperationContext(
            artifacts=self.artifacts,
            run_id=job_id,
            attempt=attempt,
            on_progress=on_progress,
            is_cancelled=lambda: cancelled,
            credentials=credentials,
        )
        work = asyncio.create_task(op.invoke(request, ctx))
        interval = max(0.2, t.settings.job_ack_wait / 4)
        while True:
            done, _ = await asyncio.wait({work}, timeout=interval)
            if done:
                return work.result()
            with contextlib.suppress(Exception):
                await msg.in_progress()
            with contextlib.suppress(Exception):
                if await t.is_cancelled(job_id):
                    cancelled = True
                    work.cancel()
                    with contextlib.suppress(BaseException):
                        await work
                    raise Cancelled(f"job {job_id} was cancelled while running")

    async def _retry(self, msg: Msg, attempt: int, reason: str) -> str:
        delay = self.transport.settings.job_retry_delay * (2 ** (attempt - 1))
        log.warning("attempt %d failed (%s); redelivering in %.1fs", attempt, reason, delay)
        await msg.nak(delay=delay)
        return "retried"

    async def _fail(self, msg: Msg, job_id: str, qualified: str, error: StudioError, attempt: int) -> None:
        log.warning("job %s failed: %s", qualified, error.message)
        await self._finish(
            msg,
            JobEvent(
                job_id=job_id,
                operation=qualified,
                failed=JobFailed(code=error.error_code, message=error.message, attempts=attempt),  # type: ignore[arg-type]
            ),
        )
