"""The durable consumer of the EVENTS stream: job events become Postgres state.

Restart-safe: the consumer is durable, so events published while the gateway was
down are delivered when it returns. Its ack wait is the jobs' (`STUDIO_JOB_ACK_WAIT`, 5 s):
events held by a gateway that died come back to another (or the restarted) one within
seconds, and a heartbeat (`in_progress`, every quarter of it) keeps events that are waiting
for a database connection or being recorded from being handed out twice meanwhile.
Idempotent: every update is conditional (a
terminal job never changes again; assets and webhook deliveries are unique per
job), so a redelivered event changes nothing. Events of an earlier dispatch of a
re-queued job (older message id) are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
from google.protobuf.message import DecodeError, Message
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from studio.gateway.context import Gateway
from studio.gateway.db.pool import unavailable
from studio.gateway.hub import HubEvent
from studio.gateway.jobs.errors import error_code_name
from studio.gateway.jobs.ids import parse_submission_id
from studio.gateway.jobs.outcomes import announce_outcome, record_outcome
from studio.gateway.jobs.outputs import artifact_refs, sweep_losing_attempts
from studio.gateway.protojson import to_json, unpack_any
from studio.v1.common_pb2 import ERROR_CODE_CANCELLED, JobEvent

log = logging.getLogger(__name__)

DURABLE = "gateway-events"
BATCH = 256


def _time(event: JobEvent) -> datetime:
    return event.time.ToDatetime(tzinfo=UTC) if event.HasField("time") else datetime.now(UTC)


def _decoded(data: bytes) -> JobEvent | None:
    try:
        return JobEvent.FromString(data)
    except DecodeError:
        log.warning("ignoring an undecodable job event")
        return None


def _ends(event: JobEvent) -> bool:
    return event.WhichOneof("event") in ("completed", "failed")


def _same_run(event: JobEvent, end: JobEvent | None) -> bool:
    return end is not None and event.job_id == end.job_id


class EventsConsumer:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self._held: dict[int, Any] = {}  # id(msg) -> fetched, not yet acknowledged or naked

    async def run(self, stop: asyncio.Event) -> None:
        transport = self.gateway.transport
        names = transport.names
        config = ConsumerConfig(
            durable_name=DURABLE,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.gateway.settings.job_ack_wait,
            max_ack_pending=BATCH * 4,
            filter_subject=names.job_events(),
        )
        # Create-or-update: a consumer made by an older gateway (ack wait 30 s) takes the new settings.
        await transport.js.add_consumer(names.events_stream, config)
        sub = await transport.js.pull_subscribe_bind(DURABLE, stream=names.events_stream)
        log.info("following job events (%s)", names.events_stream)
        try:
            await self._consume(sub, stop)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _heartbeats(self) -> None:
        """Tell JetStream the events fetched but not yet settled are still being worked on."""
        interval = max(0.2, self.gateway.settings.job_ack_wait / 4)
        while True:
            await asyncio.sleep(interval)
            for msg in list(self._held.values()):
                with contextlib.suppress(Exception):
                    await msg.in_progress()

    async def _consume(self, sub: Any, stop: asyncio.Event) -> None:
        """Fetch the next batch while earlier ones are still being recorded (a slow job never holds up the rest)."""
        slots = asyncio.Semaphore(self.gateway.pool.get_max_size())
        busy: set[asyncio.Task[None]] = set()
        heartbeats = asyncio.create_task(self._heartbeats())
        try:
            while not stop.is_set():
                try:
                    messages = await sub.fetch(BATCH, timeout=0.5)
                except (TimeoutError, NatsTimeoutError):
                    continue
                except Exception as error:  # noqa: BLE001 - NATS reconnecting; try again shortly
                    log.warning("fetching job events failed: %s", error)
                    await asyncio.sleep(1.0)
                    continue
                self._held.update((id(msg), msg) for msg in messages)
                # One job's events in order; different jobs' events side by side (the pool bounds it).
                by_job: dict[str, list[Any]] = {}
                for msg in messages:
                    by_job.setdefault(msg.subject.rsplit(".", 2)[-2], []).append(msg)
                for group in by_job.values():
                    await slots.acquire()
                    task = asyncio.create_task(self._process_group(group))
                    busy.add(task)
                    task.add_done_callback(busy.discard)
                    task.add_done_callback(lambda _: slots.release())
        finally:
            await asyncio.gather(*busy, return_exceptions=True)
            heartbeats.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeats

    async def _process_group(self, messages: list[Any]) -> None:
        """One job's events from one batch, in order. When the batch already holds the job's end, the
        `started` and `progress` before it are not written one by one: the end records them."""
        events = [_decoded(msg.data) for msg in messages]
        last_end = max((i for i, event in enumerate(events) if event is not None and _ends(event)), default=-1)
        started: JobEvent | None = None
        folded: list[Any] = []
        for index, (msg, event) in enumerate(zip(messages, events, strict=True)):
            if event is not None and index < last_end and not _ends(event) and _same_run(event, events[last_end]):
                started = event if event.HasField("started") else started
                folded.append(msg)
                continue
            await self._settle(msg, event, started if index == last_end else None)
        for msg in folded:  # acknowledged once the end that records them is settled
            await self._settle(msg, None)

    async def _settle(self, msg: Any, event: JobEvent | None, started: JobEvent | None = None) -> None:
        """Record an event (None: nothing to record), then acknowledge it; a database hiccup naks it instead."""
        try:
            await self._record(msg, event, started)
        finally:
            self._held.pop(id(msg), None)

    async def _record(self, msg: Any, event: JobEvent | None, started: JobEvent | None) -> None:
        try:
            if event is not None:
                await self.apply(event, started)
        except Exception as error:
            away = isinstance(error, (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError))
            if away or unavailable(error):  # the database, not the event: record it later
                log.warning("job event not recorded yet (%s: %s); it will be redelivered", type(error).__name__, error)
                with contextlib.suppress(Exception):
                    await msg.nak(delay=1.0)
                return
            log.exception("job event could not be recorded; dropping it")  # a poison event must not stop the consumer
        try:
            await msg.ack()
        except Exception as error:  # noqa: BLE001 - unacked events are redelivered, and recording is idempotent
            log.warning("could not acknowledge a job event (%s); it will be redelivered", error)

    async def handle(self, data: bytes) -> None:
        """Record one serialized event (undecodable ones and other systems' jobs are ignored)."""
        event = _decoded(data)
        if event is not None:
            await self.apply(event)

    async def apply(self, event: JobEvent, started: JobEvent | None = None) -> None:
        """Record one event; `started` is the run's start when it is recorded together with the end."""
        parsed = parse_submission_id(event.job_id)
        if parsed is None:
            return
        job_id, dispatch = parsed
        kind = event.WhichOneof("event")
        jobs = self.gateway.jobs
        if kind == "started":
            if await jobs.start(job_id, dispatch, _time(event), event.started.attempt):
                self.gateway.hub.publish(HubEvent(job_id=job_id, kind="started"))
        elif kind == "progress":
            progress = event.progress
            if await jobs.progress(job_id, dispatch, progress.fraction, progress.stage):
                self.gateway.hub.publish(
                    HubEvent(
                        job_id=job_id,
                        kind="progress",
                        fraction=progress.fraction,
                        stage=progress.stage,
                        message=progress.message,
                    )
                )
        elif kind == "completed":
            await self._completed(job_id, dispatch, event, started)
        elif kind == "failed":
            await self._failed(job_id, dispatch, event, started)

    async def _completed(self, job_id: uuid.UUID, dispatch: int, event: JobEvent, started: JobEvent | None) -> None:
        packed = event.completed.result
        result: Message | None = None
        try:
            result = unpack_any(packed)
        except Exception:  # noqa: BLE001 - an unknown result type is stored raw, without assets
            log.warning("job %s completed with an unknown result type %s", job_id, packed.TypeName())
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            row = await self.gateway.jobs.complete(
                conn,
                job_id,
                dispatch,
                result=to_json(result) if result is not None else {"type": packed.TypeName()},
                result_any=packed.SerializeToString(),
                at=_time(event),
                started_at=_time(started) if started else None,
                attempts=started.started.attempt if started else 1,
            )
            if row is None:  # stale or repeated: the job is past this dispatch
                return
            assets = await self.gateway.assets.insert_outputs(conn, row, artifact_refs(result)) if result else []
            await record_outcome(conn, self.gateway, row, result)
        announce_outcome(self.gateway, row, assets)
        if result is not None:
            await self._sweep(row, [ref.key for _, ref, _ in artifact_refs(result)])

    async def _sweep(self, row: Any, kept: list[str]) -> None:
        """Outputs of attempts that did not count are removed once the completion is recorded."""
        try:
            removed = await sweep_losing_attempts(
                self.gateway.artifacts, row["id"], row["dispatch_count"], row["attempts"], kept
            )
        except Exception as error:  # noqa: BLE001 - litter, not loss: the recorded outputs are untouched
            log.warning("could not sweep the losing attempts of job %s: %s", row["id"], error)
            return
        if removed:
            log.info("job %s: removed %d outputs of attempts that did not count", row["id"], len(removed))

    async def _failed(self, job_id: uuid.UUID, dispatch: int, event: JobEvent, started: JobEvent | None) -> None:
        failed = event.failed
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            row = await self.gateway.jobs.fail(
                conn,
                job_id,
                dispatch,
                status="cancelled" if failed.code == ERROR_CODE_CANCELLED else "failed",
                error_code=error_code_name(failed.code),
                message=failed.message,
                at=_time(event),
                attempts=failed.attempts,
                started_at=_time(started) if started else None,
            )
            if row is None:
                return
            await record_outcome(conn, self.gateway, row, None)
        announce_outcome(self.gateway, row)
