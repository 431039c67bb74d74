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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from google.protobuf.message import DecodeError, Message
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from studio.core.metrics import JOB_COST_USD
from studio.gateway.context import Gateway
from studio.gateway.db.pool import unavailable
from studio.gateway.effects import Outcome
from studio.gateway.hub import HubEvent
from studio.gateway.jobs.errors import error_code_name
from studio.gateway.jobs.ids import parse_submission_id
from studio.gateway.jobs.outcomes import announce_outcome, record_outcome
from studio.gateway.jobs.outputs import artifact_refs, sweep_losing_attempts
from studio.gateway.protojson import to_json, unpack_any
from studio.gateway.store.jobs import Completion, Start
from studio.v1.common_pb2 import ERROR_CODE_CANCELLED, JobEvent

log = logging.getLogger(__name__)

DURABLE = "gateway-events"
BATCH = 256
#: Batches recorded side by side: few, so that under load events pile up into larger batches
#: (one statement per kind of transition per batch) instead of many small transactions.
BATCHES_IN_FLIGHT = 4
_TRANSIENT = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, ConnectionError, TimeoutError)


def _database_away(error: BaseException) -> bool:
    """The database, not the event, is the problem: record the event later."""
    return isinstance(error, _TRANSIENT) or unavailable(error)


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


@dataclass(frozen=True)
class _End:
    """A job's end to record, with the run's start when it came in the same batch, and the messages it settles."""

    job_id: uuid.UUID
    dispatch: int
    event: JobEvent
    started: JobEvent | None = None
    messages: tuple[Any, ...] = ()


@dataclass(frozen=True)
class _Started:
    start: Start
    message: Any


@dataclass
class _Batch:
    """One fetch, sorted: starts and ends recorded together (one statement each), the rest one by one."""

    starts: list[_Started] = field(default_factory=list)
    ends: list[_End] = field(default_factory=list)
    others: list[list[Any]] = field(default_factory=list)


def _sort(messages: list[Any]) -> _Batch:
    batch = _Batch()
    by_job: dict[str, list[Any]] = {}
    for msg in messages:
        by_job.setdefault(msg.subject.rsplit(".", 2)[-2], []).append(msg)
    for group in by_job.values():
        events = [_decoded(msg.data) for msg in group]
        last = events[-1]
        parsed = parse_submission_id(last.job_id) if last is not None else None
        if last is None or parsed is None:
            batch.others.append(group)
        elif len(group) == 1 and last.HasField("started"):
            job_id, dispatch = parsed
            batch.starts.append(_Started(Start(job_id, dispatch, _time(last), last.started.attempt), group[0]))
        elif _ends(last) and all(e is not None and not _ends(e) and _same_run(e, last) for e in events[:-1]):
            # A start and progress before the end in the same batch are not written one by one: the end records them.
            started = next((e for e in reversed(events[:-1]) if e is not None and e.HasField("started")), None)
            batch.ends.append(_End(*parsed, event=last, started=started, messages=tuple(group)))
        else:
            batch.others.append(group)
    return batch


def _count_cost(row: asyncpg.Record) -> None:
    """The completed job's cost on the Prometheus counter (by service, backend and how it was priced)."""
    cost = row["cost"]
    if row["status"] != "completed" or not cost:
        return
    backend = str((row["parameters"] or {}).get("backend") or "default")
    JOB_COST_USD.labels(row["service"], backend, cost.get("basis") or "free").inc(float(cost.get("usd", 0.0)))


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

    async def _ack(self, messages: Iterable[Any]) -> None:
        for msg in messages:
            self._held.pop(id(msg), None)
            try:
                await msg.ack()
            except Exception as error:  # noqa: BLE001 - unacked events are redelivered, and recording is idempotent
                log.warning("could not acknowledge a job event (%s); it will be redelivered", error)

    async def _nak(self, messages: Iterable[Any]) -> None:
        for msg in messages:
            self._held.pop(id(msg), None)
            with contextlib.suppress(Exception):
                await msg.nak(delay=1.0)

    async def _consume(self, sub: Any, stop: asyncio.Event) -> None:
        """Fetch the next batch while earlier ones are still being recorded (a slow job never holds up the rest)."""
        slots = asyncio.Semaphore(BATCHES_IN_FLIGHT)
        busy: set[asyncio.Task[None]] = set()
        heartbeats = asyncio.create_task(self._heartbeats())
        try:
            while not stop.is_set():
                await slots.acquire()
                try:
                    messages = await sub.fetch(BATCH, timeout=0.5)
                except (TimeoutError, NatsTimeoutError):
                    slots.release()
                    continue
                except Exception as error:  # noqa: BLE001 - NATS reconnecting; try again shortly
                    slots.release()
                    log.warning("fetching job events failed: %s", error)
                    await asyncio.sleep(1.0)
                    continue
                self._held.update((id(msg), msg) for msg in messages)
                task = asyncio.create_task(self._process_batch(messages))
                busy.add(task)
                task.add_done_callback(busy.discard)
                task.add_done_callback(lambda _: slots.release())
        finally:
            await asyncio.gather(*busy, return_exceptions=True)
            heartbeats.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeats

    async def _process_batch(self, messages: list[Any]) -> None:
        """One fetch: the starts in one statement, the ends in one transaction, beside each other (different
        jobs); anything else (a job's events around its end, undecodable ones) in order, one by one."""
        batch = _sort(messages)
        await asyncio.gather(
            self._record_starts(batch.starts),
            self._record_ends(batch.ends),
            *(self._process_group(group) for group in batch.others),
        )

    async def _record_starts(self, starts: list[_Started]) -> None:
        if not starts:
            return
        try:
            started = await self.gateway.jobs.start_all([s.start for s in starts])
        except Exception as error:
            if _database_away(error):
                log.warning("job events not recorded yet (%s); they will be redelivered", error)
                await self._nak(s.message for s in starts)
                return
            # find the poison event: one by one, each settled on its own
            log.exception("a batch of job starts could not be recorded; recording them one by one")
            for s in starts:
                await self._settle(s.message, _decoded(s.message.data))
            return
        for s in starts:
            if s.start.job_id in started:
                self.gateway.hub.publish(HubEvent(job_id=s.start.job_id, kind="started"))
        await self._ack(s.message for s in starts)

    async def _record_ends(self, ends: list[_End]) -> None:
        if not ends:
            return
        try:
            await self._end_all(ends)
        except Exception as error:
            if _database_away(error):
                log.warning("job events not recorded yet (%s); they will be redelivered", error)
                await self._nak(msg for end in ends for msg in end.messages)
                return
            # find the poison event: one by one, each settled on its own
            log.exception("a batch of job ends could not be recorded; recording them one by one")
            for end in ends:
                await self._process_group(list(end.messages))
            return
        # The end first: its start and progress are acknowledged once the end that records them is.
        await self._ack(end.messages[-1] for end in ends)
        await self._ack(msg for end in ends for msg in end.messages[:-1])

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
            if event is not None:
                await self.apply(event, started)
        except Exception as error:
            if _database_away(error):  # the database, not the event: record it later
                log.warning("job event not recorded yet (%s: %s); it will be redelivered", type(error).__name__, error)
                await self._nak([msg])
                return
            log.exception("job event could not be recorded; dropping it")  # a poison event must not stop the consumer
        await self._ack([msg])

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
        elif kind in ("completed", "failed"):
            await self._end_all([_End(job_id, dispatch, event, started)])

    async def _end_all(self, ends: list[_End]) -> None:
        """Record jobs' ends in one transaction: the rows, their outputs, the effects registered for them
        (stale or repeated events change nothing); then announce each end."""
        completions: list[Completion] = []
        results: dict[tuple[uuid.UUID, int], Message | None] = {}
        failures: list[_End] = []
        for end in ends:
            if end.event.HasField("completed"):
                result = self._result(end)
                results[end.job_id, end.dispatch] = result
                completions.append(
                    Completion(
                        end.job_id,
                        end.dispatch,
                        result=to_json(result)
                        if result is not None
                        else {"type": end.event.completed.result.TypeName()},
                        result_any=end.event.completed.result.SerializeToString(),
                        at=_time(end.event),
                        started_at=_time(end.started) if end.started else None,
                        attempts=end.started.started.attempt if end.started else 1,
                        cost=to_json(end.event.completed.cost) if end.event.completed.HasField("cost") else None,
                    )
                )
            else:
                failures.append(end)
        jobs = self.gateway.jobs
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            completed = await jobs.complete_all(conn, completions) if completions else {}
            outcomes: list[Outcome] = [(row, results[row["id"], row["dispatch_count"]]) for row in completed.values()]
            for end in failures:
                failed = end.event.failed
                row = await jobs.fail(
                    conn,
                    end.job_id,
                    end.dispatch,
                    status="cancelled" if failed.code == ERROR_CODE_CANCELLED else "failed",
                    error_code=error_code_name(failed.code),
                    message=failed.message,
                    at=_time(end.event),
                    attempts=failed.attempts,
                    started_at=_time(end.started) if end.started else None,
                )
                if row is not None:  # None: stale or repeated, the job is past this dispatch
                    outcomes.append((row, None))
            outputs = [(row, list(artifact_refs(result))) for row, result in outcomes if result is not None]
            assets = await self.gateway.assets.insert_outputs(conn, outputs) if outputs else {}
            if outcomes:
                await record_outcome(conn, self.gateway, outcomes)
        for row, _ in outcomes:
            announce_outcome(self.gateway, row, assets.get(row["id"], ()))
            _count_cost(row)
        for row, result in outcomes:
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

    @staticmethod
    def _result(end: _End) -> Message | None:
        packed = end.event.completed.result
        try:
            return unpack_any(packed)
        except Exception:  # noqa: BLE001 - an unknown result type is stored raw, without assets
            log.warning("job %s completed with an unknown result type %s", end.job_id, packed.TypeName())
            return None
