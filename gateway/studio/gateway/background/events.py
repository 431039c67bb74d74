"""The durable consumer of the EVENTS stream: job events become Postgres state.

Restart-safe: the consumer is durable, so events published while the gateway was
down are delivered when it returns. Idempotent: every update is conditional (a
terminal job never changes again; assets and webhook deliveries are unique per
job), so a redelivered event changes nothing. Events of an earlier dispatch of a
re-queued job (older message id) are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg
from google.protobuf.message import DecodeError, Message
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from studio.gateway.context import Gateway
from studio.gateway.domain.assets.services import artifact_refs, insert_asset
from studio.gateway.domain.jobs.outcomes import announce_outcome, record_outcome
from studio.gateway.domain.jobs.services import JOB_COLUMNS, error_code_name, parse_submission_id
from studio.gateway.hub import HubEvent
from studio.gateway.protojson import to_json, unpack_any
from studio.v1.common_pb2 import ERROR_CODE_CANCELLED, JobEvent

log = logging.getLogger(__name__)

DURABLE = "gateway-events"
BATCH = 256
#: States in which a job takes events. A `queued` row never does: an event for it is either stale (from a
#: dispatch before it was re-queued) or early (its dispatcher has not committed; the row lock waits for that).
_LIVE = ("submitted", "running")


def _time(event: JobEvent) -> datetime:
    return event.time.ToDatetime(tzinfo=UTC) if event.HasField("time") else datetime.now(UTC)


class EventsConsumer:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def run(self, stop: asyncio.Event) -> None:
        transport = self.gateway.transport
        names = transport.names
        config = ConsumerConfig(
            durable_name=DURABLE,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=30,
            max_ack_pending=BATCH * 4,
            filter_subject=names.job_events(),
        )
        sub = await transport.js.pull_subscribe(
            names.job_events(), durable=DURABLE, stream=names.events_stream, config=config
        )
        log.info("following job events (%s)", names.events_stream)
        try:
            await self._consume(sub, stop)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _consume(self, sub: Any, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                messages = await sub.fetch(BATCH, timeout=0.5)
            except (TimeoutError, NatsTimeoutError):
                continue
            except Exception as error:  # noqa: BLE001 - NATS reconnecting; try again shortly
                log.warning("fetching job events failed: %s", error)
                await asyncio.sleep(1.0)
                continue
            # One job's events in order; different jobs' events side by side (the pool bounds it).
            by_job: dict[str, list[Any]] = {}
            for msg in messages:
                by_job.setdefault(msg.subject.rsplit(".", 2)[-2], []).append(msg)
            await asyncio.gather(*(self._process_in_order(group) for group in by_job.values()))

    async def _process_in_order(self, messages: list[Any]) -> None:
        for msg in messages:
            await self._process(msg)

    async def _process(self, msg: Any) -> None:
        try:
            await self.handle(msg.data)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, ConnectionError, TimeoutError) as error:
            log.warning("job event not recorded yet (%s); it will be redelivered", error)
            with contextlib.suppress(Exception):
                await msg.nak(delay=1.0)
            return
        except Exception:  # a poison event must not stop the consumer
            log.exception("job event could not be recorded; dropping it")
        try:
            await msg.ack()
        except Exception as error:  # noqa: BLE001 - unacked events are redelivered, and recording is idempotent
            log.warning("could not acknowledge a job event (%s); it will be redelivered", error)

    async def handle(self, data: bytes) -> None:
        try:
            event = JobEvent.FromString(data)
        except DecodeError:
            log.warning("ignoring an undecodable job event")
            return
        parsed = parse_submission_id(event.job_id)
        if parsed is None:
            return
        job_id, dispatch = parsed
        kind = event.WhichOneof("event")
        if kind == "started":
            await self._simple_update(
                job_id,
                dispatch,
                "UPDATE generation_jobs SET status = 'running', started_at = COALESCE(started_at, $2), "
                "attempts = GREATEST(attempts, $3), updated_at = now() WHERE id = $1",
                _time(event),
                event.started.attempt,
            )
            self.gateway.hub.publish(HubEvent(job_id=job_id, kind="started"))
        elif kind == "progress":
            progress = event.progress
            await self._simple_update(
                job_id,
                dispatch,
                "UPDATE generation_jobs SET status = 'running', progress = $2, stage = $3, updated_at = now() "
                "WHERE id = $1",
                progress.fraction,
                progress.stage,
            )
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
            await self._completed(job_id, dispatch, event)
        elif kind == "failed":
            await self._failed(job_id, dispatch, event)

    @staticmethod
    async def _lock_live(conn: asyncpg.Connection, job_id: Any, dispatch: int) -> bool:
        """Lock the job's row; true when the event belongs to its current dispatch and it is not finished.

        The lock also waits for a dispatcher that published this job and has not committed yet:
        a fast worker's events can arrive before the row says `submitted`.
        """
        row = await conn.fetchrow("SELECT dispatch_count, status FROM generation_jobs WHERE id = $1 FOR UPDATE", job_id)
        return row is not None and row["dispatch_count"] == dispatch and row["status"] in _LIVE

    async def _simple_update(self, job_id: Any, dispatch: int, sql: str, *args: Any) -> None:
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            if await self._lock_live(conn, job_id, dispatch):
                await conn.execute(sql, job_id, *args)

    async def _completed(self, job_id: Any, dispatch: int, event: JobEvent) -> None:
        packed = event.completed.result
        result: Message | None = None
        try:
            result = unpack_any(packed)
        except Exception:  # noqa: BLE001 - an unknown result type is stored raw, without assets
            log.warning("job %s completed with an unknown result type %s", job_id, packed.TypeName())
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            if not await self._lock_live(conn, job_id, dispatch):
                return
            row = await conn.fetchrow(
                "UPDATE generation_jobs SET status = 'completed', progress = 1, stage = 'done', result = $2, "
                " result_any = $3, completed_at = $4, attempts = GREATEST(attempts, 1), updated_at = now() "
                f"WHERE id = $1 RETURNING {JOB_COLUMNS}",
                job_id,
                to_json(result) if result is not None else {"type": packed.TypeName()},
                packed.SerializeToString(),
                _time(event),
            )
            if row is None:
                return
            if result is not None:
                for role, ref, metadata in artifact_refs(result):
                    await insert_asset(
                        conn,
                        owner_id=row["owner_id"],
                        ref=ref,
                        role=role,
                        job_id=row["id"],
                        project_id=row["project_id"],
                        metadata=metadata,
                    )
            await record_outcome(conn, self.gateway, row, result)
        announce_outcome(self.gateway, row)

    async def _failed(self, job_id: Any, dispatch: int, event: JobEvent) -> None:
        failed = event.failed
        status = "cancelled" if failed.code == ERROR_CODE_CANCELLED else "failed"
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            if not await self._lock_live(conn, job_id, dispatch):
                return
            row = await conn.fetchrow(
                "UPDATE generation_jobs SET status = $2, error_code = $3, error_message = $4, completed_at = $5, "
                " attempts = GREATEST(attempts, $6), updated_at = now() "
                f"WHERE id = $1 RETURNING {JOB_COLUMNS}",
                job_id,
                status,
                error_code_name(failed.code),
                failed.message,
                _time(event),
                failed.attempts,
            )
            if row is None:
                return
            await record_outcome(conn, self.gateway, row, None)
        announce_outcome(self.gateway, row)
