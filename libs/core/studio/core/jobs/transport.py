"""JetStream streams, subjects and the client side of jobs.

- JOBS   (work queue): `jobs.<service>.<operation>`, payload = serialized request,
         `Nats-Msg-Id` = job id so a re-submitted job is stored (and run) once.
- EVENTS (limits):     `events.job.<id>.<started|progress|completed|failed>`,
         payload = serialized `studio.v1.JobEvent`.
- KV `JOB_CANCELS`:    job id -> cancelled; workers check it before and while running.
- KV `JOB_OUTCOMES`:   job id -> its terminal event, written once before the job's ack, so a
                       job redelivered after its worker died between finishing and acking is
                       answered with the recorded outcome instead of being run again.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from nats.aio.client import Client as NATS
from nats.errors import NoServersError
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from studio.core.errors import ConfigError, InvalidInput
from studio.core.settings import StudioSettings
from studio.v1.common_pb2 import JobEvent

_JOB_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
EVENT_KINDS = ("started", "progress", "completed", "failed")
#: Jobs a service's replicas may hold unacknowledged, all together (each takes what it has room for).
MAX_UNACKNOWLEDGED_JOBS = 10_000
TERMINAL_KINDS = ("completed", "failed")


def new_job_id() -> str:
    return uuid.uuid4().hex


def check_job_id(job_id: str) -> str:
    if not _JOB_ID.match(job_id):
        raise InvalidInput(f"invalid job id {job_id!r}: use 1-128 letters, digits, '-' or '_'")
    return job_id


def event_kind(event: JobEvent) -> str:
    return event.WhichOneof("event") or "progress"


def _stamp(event: JobEvent) -> None:
    if not event.HasField("time"):
        stamp = Timestamp()
        stamp.GetCurrentTime()
        event.time.CopyFrom(stamp)


def _declared(bucket: KeyValue | None) -> KeyValue:
    if bucket is None:
        raise RuntimeError("JobTransport.ensure_streams() was not called")
    return bucket


@dataclass(frozen=True)
class Names:
    """Stream, subject and bucket names, optionally prefixed (tests, shared servers)."""

    prefix: str = ""

    def _subject(self, rest: str) -> str:
        return f"{self.prefix}.{rest}" if self.prefix else rest

    def _name(self, rest: str) -> str:
        return f"{self.prefix}_{rest}" if self.prefix else rest

    @property
    def jobs_stream(self) -> str:
        return self._name("JOBS")

    @property
    def events_stream(self) -> str:
        return self._name("EVENTS")

    @property
    def cancels_bucket(self) -> str:
        return self._name("JOB_CANCELS")

    @property
    def outcomes_bucket(self) -> str:
        return self._name("JOB_OUTCOMES")

    @property
    def streams(self) -> tuple[str, ...]:
        """Every stream these names own (key-value buckets are streams too): what a cleanup deletes."""
        return (self.jobs_stream, self.events_stream, f"KV_{self.cancels_bucket}", f"KV_{self.outcomes_bucket}")

    def job_subject(self, service: str, operation: str) -> str:
        return self._subject(f"jobs.{service}.{operation}")

    def service_jobs(self, service: str) -> str:
        return self._subject(f"jobs.{service}.*")

    def event_subject(self, job_id: str, kind: str) -> str:
        return self._subject(f"events.job.{job_id}.{kind}")

    def job_events(self, job_id: str = "*") -> str:
        return self._subject(f"events.job.{job_id}.*")

    def consumer(self, service: str) -> str:
        return f"{service}-workers"

    def operation_of(self, subject: str) -> tuple[str, str]:
        """`[prefix.]jobs.<service>.<op>` -> (service, op)."""
        parts = subject.split(".")
        return parts[-2], parts[-1]


async def _probe(url: str, timeout: float = 3.0) -> None:
    """Open and close a TCP connection to the first server of a NATS URL."""
    first = urllib.parse.urlsplit(url.split(",")[0].strip())
    _, writer = await asyncio.wait_for(asyncio.open_connection(first.hostname, first.port or 4222), timeout)
    writer.close()


class JobTransport:
    """Connection to JetStream plus the job/event vocabulary."""

    def __init__(self, nc: NATS, settings: StudioSettings) -> None:
        self.nc = nc
        self.js: JetStreamContext = nc.jetstream(timeout=10)
        self.settings = settings
        self.names = Names(settings.nats_prefix)
        self._cancels: KeyValue | None = None
        self._outcomes: KeyValue | None = None

    @classmethod
    async def connect(cls, settings: StudioSettings, *, ensure: bool = True) -> JobTransport:
        """Connect (failing fast with one line if NATS is unreachable) and declare streams."""
        try:
            # nats-py retries a failing first connect indefinitely; a TCP probe fails fast
            # with the real reason (refused, unknown host). The client then reconnects forever.
            await _probe(settings.nats_url)
            nc = await nats.connect(
                settings.nats_url,
                connect_timeout=3,
                max_reconnect_attempts=-1,
                reconnect_time_wait=1,
                allow_reconnect=True,
                name="studio",
            )
        except (NoServersError, OSError, TimeoutError) as error:
            detail = str(error) or type(error).__name__
            raise ConfigError(f"cannot reach NATS at {settings.nats_url} (STUDIO_NATS_URL): {detail}") from None
        transport = cls(nc, settings)
        if ensure:
            try:
                await transport.ensure_streams()
            except Exception as error:  # noqa: BLE001 - reported as one config line
                await nc.close()
                raise ConfigError(
                    f"NATS at {settings.nats_url} has no usable JetStream (run nats-server with -js): {error}"
                ) from None
        return transport

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.nc.drain()

    async def ensure_streams(self) -> None:
        n = self.names
        await self._ensure_stream(
            StreamConfig(
                name=n.jobs_stream,
                subjects=[n._subject("jobs.>")],
                retention=RetentionPolicy.WORK_QUEUE,
                storage=StorageType.FILE,
                duplicate_window=self.settings.job_duplicate_window,
            )
        )
        await self._ensure_stream(
            StreamConfig(
                name=n.events_stream,
                subjects=[n._subject("events.job.>")],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                max_age=7 * 24 * 3600,
            )
        )
        self._cancels = await self.js.create_key_value(
            KeyValueConfig(bucket=n.cancels_bucket, ttl=7 * 24 * 3600, storage=StorageType.FILE)
        )
        self._outcomes = await self.js.create_key_value(
            KeyValueConfig(bucket=n.outcomes_bucket, ttl=7 * 24 * 3600, storage=StorageType.FILE)
        )

    async def _ensure_stream(self, config: StreamConfig) -> None:
        try:
            await self.js.stream_info(config.name or "")
            await self.js.update_stream(config)
        except NotFoundError:
            await self.js.add_stream(config)

    async def ensure_consumer(self, service: str) -> str:
        """The durable pull consumer every replica of `service` shares.

        Each replica fetches only as many jobs as it has free slots, so the consumer's own cap on
        unacknowledged jobs is set far above any fleet: were it one replica's concurrency, a job
        held by a dead worker would stop every other replica until its ack wait ran out.
        """
        durable = self.names.consumer(service)
        config = ConsumerConfig(
            durable_name=durable,
            filter_subject=self.names.service_jobs(service),
            ack_policy=AckPolicy.EXPLICIT,
            max_ack_pending=MAX_UNACKNOWLEDGED_JOBS,
            ack_wait=self.settings.job_ack_wait,
            max_deliver=self.settings.job_max_deliver,
        )
        # JetStream's consumer create is create-or-update: replicas with new settings update it in place.
        await self.js.add_consumer(self.names.jobs_stream, config)
        return durable

    async def submit(
        self,
        service: str,
        operation: str,
        request: Message,
        job_id: str | None = None,
        *,
        sealed_credentials: str = "",
    ) -> tuple[str, bool]:
        """Enqueue a job; return (job id, whether it was a duplicate of an earlier submission).

        `sealed_credentials` (studio.core.providers.credentials.seal, for this job id) carries a
        tenant's own provider keys, sealed, in a header: never in the payload.
        """
        job_id = check_job_id(job_id or new_job_id())
        headers = {"Nats-Msg-Id": job_id, "Studio-Job-Id": job_id}
        if sealed_credentials:
            headers["Studio-Credentials"] = sealed_credentials
        ack = await self.js.publish(
            self.names.job_subject(service, operation), request.SerializeToString(), headers=headers
        )
        return job_id, bool(ack.duplicate)

    async def publish_event(self, event: JobEvent) -> None:
        _stamp(event)
        await self.js.publish(self.names.event_subject(event.job_id, event_kind(event)), event.SerializeToString())

    async def events(self, job_id: str = "*", *, from_start: bool = True) -> AsyncIterator[JobEvent]:
        """Follow job events (one job, or all with "*") through an ephemeral ordered consumer."""
        if job_id != "*":
            check_job_id(job_id)
        sub = await self.js.subscribe(
            self.names.job_events(job_id),
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL if from_start else DeliverPolicy.NEW,
        )
        try:
            async for msg in sub.messages:
                yield JobEvent.FromString(msg.data)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def wait(self, job_id: str, timeout: float | None = None) -> JobEvent:
        """Block until the job's terminal event (completed or failed) and return it."""

        async def _first_terminal() -> JobEvent:
            async for event in self.events(job_id):
                if event_kind(event) in TERMINAL_KINDS:
                    return event
            raise RuntimeError("event stream ended")

        return await asyncio.wait_for(_first_terminal(), timeout)

    async def cancel(self, job_id: str) -> None:
        await self._cancel_bucket().put(check_job_id(job_id), b"1")

    async def is_cancelled(self, job_id: str) -> bool:
        try:
            await self._cancel_bucket().get(job_id)
        except KeyNotFoundError:
            return False
        return True

    def _cancel_bucket(self) -> KeyValue:
        return _declared(self._cancels)

    async def record_outcome(self, event: JobEvent) -> JobEvent:
        """Record a job's terminal event once; return the one that counts (an earlier record wins).

        Written before the job is acknowledged: whichever worker records first (a worker that
        lost its job to a redelivery may still finish) decides the outputs the job names.
        """
        _stamp(event)
        try:
            await _declared(self._outcomes).create(check_job_id(event.job_id), event.SerializeToString())
        except KeyWrongLastSequenceError:
            recorded = await self.recorded_outcome(event.job_id)
            if recorded is None:  # created and purged in between: nothing sensible left but ours
                raise
            return recorded
        return event

    async def recorded_outcome(self, job_id: str) -> JobEvent | None:
        """The terminal event recorded for a job, if any worker finished it."""
        try:
            entry = await _declared(self._outcomes).get(check_job_id(job_id))
        except KeyNotFoundError:
            return None
        return JobEvent.FromString(entry.value) if entry.value else None

    async def pending(self, service: str) -> int:
        """Jobs waiting for `service` (consumer lag): what autoscaling and /metrics watch."""
        try:
            info = await self.js.consumer_info(self.names.jobs_stream, self.names.consumer(service))
        except NotFoundError:
            return 0
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)
