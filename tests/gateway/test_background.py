"""The dispatcher (priorities, caps, deduplicated re-publishing) and the events consumer
(idempotent, ignores stale and foreign events, durable across restarts), on a gateway
context of their own: its own database and NATS prefix, and no workers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from google.protobuf.any_pb2 import Any as AnyMessage
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.jobs import JobTransport
from studio.gateway.auth.keys import create_key
from studio.gateway.background.dispatcher import Dispatcher
from studio.gateway.background.events import DURABLE, EventsConsumer
from studio.gateway.context import Gateway
from studio.gateway.db.migrate import migrate
from studio.gateway.db.pool import create_pool
from studio.gateway.domain.webhooks.effects import WebhookOutbox
from studio.gateway.jobs.ids import submission_id
from studio.gateway.jobs.schemas import WebhookRequest
from studio.gateway.jobs.submit import store_job
from studio.gateway.settings import GatewaySettings
from studio.v1 import audio_pb2, image_pb2, video_pb2
from studio.v1.common_pb2 import (
    ERROR_CODE_INVALID_ARGUMENT,
    ArtifactRef,
    JobCompleted,
    JobEvent,
    JobFailed,
    JobStarted,
    Progress,
)
from tests.conftest import NATS_URL


@pytest.fixture(scope="module")
def bare_database(database_factory: object) -> str:
    return database_factory()  # type: ignore[operator,no-any-return]


@pytest.fixture
async def bare(bare_database: str, tmp_path: Path) -> AsyncIterator[tuple[Gateway, uuid.UUID]]:
    settings = GatewaySettings(
        database_url=bare_database,
        nats_url=NATS_URL,
        nats_prefix=f"gwb{uuid.uuid4().hex[:8]}",
        max_concurrent_jobs={"audio": 2, "image": 1, "video": 1, "composer": 1},
        max_concurrent_jobs_total=3,
        job_priorities={"audio": 3, "image": 2, "video": 1, "composer": 1, "video.create_avatar_video": 4},
    )
    await migrate(bare_database)
    pool = await create_pool(bare_database, 4)
    transport = await JobTransport.connect(settings)
    gateway = Gateway(settings, pool, transport, LocalArtifactStore(tmp_path), "secret")
    await pool.execute("TRUNCATE generation_jobs, media_assets CASCADE")
    owner = (await create_key(pool, "bare")).id
    yield gateway, owner
    names = transport.names
    for stream in names.streams:
        await transport.js.delete_stream(stream)
    await transport.close()
    await pool.close()


async def _statuses(gateway: Gateway) -> dict[str, list[str]]:
    rows = await gateway.pool.fetch("SELECT service, status FROM generation_jobs ORDER BY created_at")
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["service"], []).append(row["status"])
    return out


async def _stream_messages(gateway: Gateway) -> int:
    return int((await gateway.transport.js.stream_info(gateway.transport.names.jobs_stream)).state.messages)


async def test_dispatch_follows_priorities_and_caps(bare: tuple[Gateway, uuid.UUID]) -> None:
    gateway, owner = bare
    # the oldest jobs are video and image; audio has the highest priority
    for service, rpc, request in (
        ("video", "Animate", video_pb2.AnimateRequest(motion="pan")),
        ("video", "Animate", video_pb2.AnimateRequest(motion="zoom")),
        ("image", "Generate", image_pb2.GenerateRequest(prompt="a")),
        ("image", "Generate", image_pb2.GenerateRequest(prompt="b")),
        ("audio", "Synthesize", audio_pb2.SynthesizeRequest(text="1")),
        ("audio", "Synthesize", audio_pb2.SynthesizeRequest(text="2")),
        ("audio", "Synthesize", audio_pb2.SynthesizeRequest(text="3")),
    ):
        await store_job(gateway.pool, gateway, owner_id=owner, service=service, rpc=rpc, request=request)
    dispatcher = Dispatcher(gateway)
    assert await dispatcher.dispatch_once() == 3  # the global cap
    assert await _statuses(gateway) == {
        "video": ["queued", "queued"],
        "image": ["submitted", "queued"],
        "audio": ["submitted", "submitted", "queued"],
    }
    assert await _stream_messages(gateway) == 3
    assert await dispatcher.dispatch_once() == 0  # nothing frees up by itself
    await gateway.pool.execute(
        "UPDATE generation_jobs SET status = 'completed' WHERE id = "
        "(SELECT id FROM generation_jobs WHERE service = 'audio' AND status = 'submitted' LIMIT 1)"
    )
    assert await dispatcher.dispatch_once() == 1
    assert (await _statuses(gateway))["audio"] == ["completed", "submitted", "submitted"]  # audio before older video
    await gateway.pool.execute("UPDATE generation_jobs SET status = 'completed' WHERE service = 'audio'")
    assert await dispatcher.dispatch_once() == 1
    assert (await _statuses(gateway))["video"] == ["submitted", "queued"]  # video's cap is 1


async def test_republishing_after_a_crash_is_deduplicated(bare: tuple[Gateway, uuid.UUID]) -> None:
    gateway, owner = bare
    row = await store_job(
        gateway.pool,
        gateway,
        owner_id=owner,
        service="audio",
        rpc="Synthesize",
        request=audio_pb2.SynthesizeRequest(text="x"),
    )
    dispatcher = Dispatcher(gateway)
    # a dispatcher that published and then died before committing
    full = await gateway.pool.fetchrow("SELECT * FROM generation_jobs WHERE id = $1", row["id"])
    await dispatcher._publish(full)
    assert await _stream_messages(gateway) == 1
    assert await dispatcher.dispatch_once() == 1
    assert await _stream_messages(gateway) == 1  # same message id: JetStream kept one copy
    status = await gateway.pool.fetchval("SELECT status FROM generation_jobs WHERE id = $1", row["id"])
    assert status == "submitted"


def _completed(job_id: str, key: str) -> bytes:
    packed = AnyMessage()
    packed.Pack(
        audio_pb2.SynthesizeResult(
            audio=ArtifactRef(bucket="studio", key=key, content_type="audio/wav", size=10, sha256="ab"),
            duration_seconds=1.5,
        )
    )
    return JobEvent(
        job_id=job_id, operation="audio.synthesize", completed=JobCompleted(result=packed)
    ).SerializeToString()


async def test_events_are_idempotent_and_stale_ones_ignored(bare: tuple[Gateway, uuid.UUID]) -> None:
    gateway, owner = bare
    row = await store_job(
        gateway.pool,
        gateway,
        owner_id=owner,
        service="audio",
        rpc="Synthesize",
        request=audio_pb2.SynthesizeRequest(text="x"),
    )
    await Dispatcher(gateway).dispatch_once()
    consumer = EventsConsumer(gateway)
    current = submission_id(row["id"], 1)
    await consumer.handle(JobEvent(job_id=current, started=JobStarted(attempt=1)).SerializeToString())
    await consumer.handle(JobEvent(job_id=current, progress=Progress(fraction=0.5, stage="half")).SerializeToString())
    job = await gateway.pool.fetchrow("SELECT status, progress, stage FROM generation_jobs WHERE id = $1", row["id"])
    assert dict(job) == {"status": "running", "progress": 0.5, "stage": "half"}
    for _ in range(3):  # redelivered
        await consumer.handle(_completed(current, "runs/x/speech.wav"))
    await consumer.handle(_completed(submission_id(row["id"], 2), "runs/y/other.wav"))  # a dispatch that never was
    await consumer.handle(
        JobEvent(job_id=current, failed=JobFailed(code=ERROR_CODE_INVALID_ARGUMENT, message="late")).SerializeToString()
    )
    await consumer.handle(JobEvent(job_id=current, started=JobStarted(attempt=2)).SerializeToString())
    await consumer.handle(b"\xff\x00 not a protobuf")
    await consumer.handle(_completed("not-a-studio-job", "runs/z/z.wav"))
    job = await gateway.pool.fetchrow("SELECT status, result, error_code FROM generation_jobs WHERE id = $1", row["id"])
    assert job["status"] == "completed" and job["error_code"] is None and job["result"]["duration_seconds"] == 1.5
    keys = await gateway.pool.fetch("SELECT key, role, metadata FROM media_assets WHERE job_id = $1", row["id"])
    assert [(r["key"], r["role"]) for r in keys] == [("runs/x/speech.wav", "audio")]
    assert keys[0]["metadata"]["duration_seconds"] == 1.5


async def test_durable_consumer_catches_up_after_a_restart(bare: tuple[Gateway, uuid.UUID]) -> None:
    gateway, owner = bare
    rows = [
        await store_job(
            gateway.pool,
            gateway,
            owner_id=owner,
            service="audio",
            rpc="Synthesize",
            request=audio_pb2.SynthesizeRequest(text=str(i)),
        )
        for i in range(2)
    ]
    await Dispatcher(gateway).dispatch_once()

    async def run_consumer_briefly() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(EventsConsumer(gateway).run(stop))
        await asyncio.sleep(1.5)
        stop.set()
        await task

    # the first job completes while the gateway is down: the event waits in the stream
    first = submission_id(rows[0]["id"], 1)
    await gateway.transport.js.publish(
        gateway.transport.names.event_subject(first, "completed"), _completed(first, "runs/a/a.wav")
    )
    await run_consumer_briefly()
    statuses = [await gateway.pool.fetchval("SELECT status FROM generation_jobs WHERE id = $1", r["id"]) for r in rows]
    assert statuses == ["completed", "submitted"]
    second = submission_id(rows[1]["id"], 1)
    await gateway.transport.js.publish(
        gateway.transport.names.event_subject(second, "completed"), _completed(second, "runs/b/b.wav")
    )
    await run_consumer_briefly()
    statuses = [await gateway.pool.fetchval("SELECT status FROM generation_jobs WHERE id = $1", r["id"]) for r in rows]
    assert statuses == ["completed", "completed"]
    assert await gateway.pool.fetchval("SELECT count(*) FROM media_assets") == 2


async def test_events_arriving_before_the_dispatcher_commits_are_not_lost(bare: tuple[Gateway, uuid.UUID]) -> None:
    gateway, owner = bare
    row = await store_job(
        gateway.pool,
        gateway,
        owner_id=owner,
        service="audio",
        rpc="Synthesize",
        request=audio_pb2.SynthesizeRequest(text="x"),
    )
    current = submission_id(row["id"], 1)
    consumer = EventsConsumer(gateway)
    async with gateway.pool.acquire() as dispatcher_conn:
        transaction = dispatcher_conn.transaction()
        await transaction.start()
        # what the dispatcher holds between publishing and committing
        await dispatcher_conn.execute("SELECT 1 FROM generation_jobs WHERE id = $1 FOR UPDATE", row["id"])
        await dispatcher_conn.execute(
            "UPDATE generation_jobs SET status = 'submitted', dispatch_count = 1 WHERE id = $1", row["id"]
        )
        # an instant worker already finished it
        recording = asyncio.create_task(consumer.handle(_completed(current, "runs/fast/a.wav")))
        await asyncio.sleep(0.3)
        assert not recording.done()  # waits for the dispatcher's commit instead of dropping the event
        await transaction.commit()
    await recording
    assert await gateway.pool.fetchval("SELECT status FROM generation_jobs WHERE id = $1", row["id"]) == "completed"


async def test_a_job_type_can_outrank_its_service(bare: tuple[Gateway, uuid.UUID]) -> None:
    gateway, owner = bare
    animate = await store_job(
        gateway.pool, gateway, owner_id=owner, service="video", rpc="Animate", request=video_pb2.AnimateRequest()
    )
    avatar = await store_job(
        gateway.pool,
        gateway,
        owner_id=owner,
        service="video",
        rpc="CreateAvatarVideo",
        request=video_pb2.CreateAvatarVideoRequest(),
    )
    assert (animate["priority"], avatar["priority"]) == (1, 4)
    assert await Dispatcher(gateway).dispatch_once() == 1  # video's cap is 1: the newer, higher-priority job goes
    status = await gateway.pool.fetchval("SELECT status FROM generation_jobs WHERE id = $1", avatar["id"])
    assert status == "submitted"


class _Msg:
    """A fetched JetStream message: what the consumer reads from it, and how it was settled."""

    def __init__(self, gateway: Gateway, job_id: str, kind: str, data: bytes) -> None:
        self.subject = gateway.transport.names.event_subject(job_id, kind)
        self.data = data
        self.settled: str | None = None

    async def ack(self) -> None:
        self.settled = "ack"

    async def nak(self, delay: float | None = None) -> None:
        self.settled = "nak"


async def test_a_batch_of_events_is_recorded_together_and_stale_ones_change_nothing(
    bare: tuple[Gateway, uuid.UUID],
) -> None:
    gateway, owner = bare
    gateway.effects.on_every(WebhookOutbox(gateway).enqueue)
    await gateway.webhooks.create(owner, "https://hooks.example/done", "s", ["job.completed"], ["audio.synthesize"])
    a, b = [
        await store_job(
            gateway.pool,
            gateway,
            owner_id=owner,
            service="audio",
            rpc="Synthesize",
            request=audio_pb2.SynthesizeRequest(text=str(i)),
        )
        for i in range(2)
    ]
    assert await Dispatcher(gateway).dispatch_once() == 2
    first, second = submission_id(a["id"], 1), submission_id(b["id"], 1)
    consumer = EventsConsumer(gateway)
    batch = [
        _Msg(gateway, first, "started", JobEvent(job_id=first, started=JobStarted(attempt=2)).SerializeToString()),
        _Msg(gateway, first, "completed", _completed(first, "runs/a/speech.wav")),
        _Msg(gateway, second, "started", JobEvent(job_id=second, started=JobStarted(attempt=1)).SerializeToString()),
        _Msg(gateway, uuid.uuid4().hex, "completed", b"\xff\x00 not a protobuf"),
        _Msg(gateway, submission_id(b["id"], 2), "completed", _completed(submission_id(b["id"], 2), "runs/b/x.wav")),
    ]
    with gateway.hub.subscribe(a["id"]) as a_events, gateway.hub.subscribe(b["id"]) as b_events:
        await consumer._process_batch(batch)
        ended = a_events.get_nowait()
        assert ended.kind == "completed" and ended.job["status"] == "completed"
        assert [asset["key"] for asset in ended.assets] == ["runs/a/speech.wav"]
        assert b_events.get_nowait().kind == "started" and b_events.empty()
    assert [msg.settled for msg in batch] == ["ack"] * len(batch)
    rows = {
        r["id"]: r
        for r in await gateway.pool.fetch("SELECT id, status, attempts, started_at, result FROM generation_jobs")
    }
    assert rows[a["id"]]["status"] == "completed" and rows[a["id"]]["attempts"] == 2
    assert rows[a["id"]]["started_at"] is not None and rows[a["id"]]["result"]["duration_seconds"] == 1.5
    assert rows[b["id"]]["status"] == "running"  # the completion of a dispatch that never was changed nothing

    again = [
        _Msg(gateway, second, "completed", _completed(second, "runs/b/speech.wav")),
        _Msg(gateway, first, "completed", _completed(first, "runs/a/other.wav")),  # redelivered after its end
    ]
    await consumer._process_batch(again)
    assert [msg.settled for msg in again] == ["ack", "ack"]
    assets = await gateway.pool.fetch("SELECT job_id, key FROM media_assets ORDER BY key")
    assert [(r["job_id"], r["key"]) for r in assets] == [(a["id"], "runs/a/speech.wav"), (b["id"], "runs/b/speech.wav")]
    deliveries = await gateway.pool.fetch("SELECT job_id, event, payload FROM webhook_deliveries")
    assert sorted((d["job_id"], d["event"]) for d in deliveries) == sorted(
        [(a["id"], "job.completed"), (b["id"], "job.completed")]
    )
    assert all(len(d["payload"]["job"]["assets"]) == 1 for d in deliveries)  # the payload carries the outputs
    assert not gateway.deliveries_queued  # each announced end woke the sender and was forgotten


async def test_jobs_submitted_together_are_stored_together_and_fail_alone(bare: tuple[Gateway, uuid.UUID]) -> None:
    gateway, owner = bare

    def submit(text: str, project_id: uuid.UUID | None = None) -> Any:
        return store_job(
            gateway.pool,
            gateway,
            owner_id=owner,
            service="audio",
            rpc="Synthesize",
            request=audio_pb2.SynthesizeRequest(text=text),
            project_id=project_id,
            webhook=WebhookRequest(url="https://hooks.example/x", events=["job.failed"]) if text == "1" else None,
        )

    rows = await asyncio.gather(*(submit(str(i)) for i in range(5)))  # one statement stores them
    assert [row["parameters"]["text"] for row in rows] == ["0", "1", "2", "3", "4"]
    assert all(row["status"] == "queued" and row["owner_id"] == owner for row in rows)
    assert rows[1]["webhook_url"] == "https://hooks.example/x" and rows[1]["webhook_events"] == ["job.failed"]
    assert rows[0]["webhook_events"] is None
    stored = await gateway.pool.fetch("SELECT id, payload FROM generation_jobs")
    assert {r["id"] for r in stored} == {row["id"] for row in rows}
    assert {audio_pb2.SynthesizeRequest.FromString(r["payload"]).text for r in stored} == {"0", "1", "2", "3", "4"}

    results: tuple[Any, ...] = await asyncio.gather(
        submit("5"), submit("6"), submit("orphan", project_id=uuid.uuid4()), return_exceptions=True
    )
    *more, orphan = results
    assert isinstance(orphan, asyncpg.ForeignKeyViolationError)  # its own error; its neighbours are stored
    assert [row["parameters"]["text"] for row in more] == ["5", "6"]
    assert await gateway.pool.fetchval("SELECT count(*) FROM generation_jobs") == 7


async def test_events_held_by_a_dead_gateway_come_back_within_seconds(bare: tuple[Gateway, uuid.UUID]) -> None:
    """Item 7 of issue 15: a gateway that died holding events delayed their recording by a 30 s ack wait."""
    gateway, owner = bare
    row = await store_job(
        gateway.pool, gateway, owner_id=owner, service="audio", rpc="Synthesize", request=audio_pb2.SynthesizeRequest()
    )
    await Dispatcher(gateway).dispatch_once()
    current = submission_id(row["id"], 1)
    names = gateway.transport.names
    await gateway.transport.js.publish(names.event_subject(current, "completed"), _completed(current, "runs/h/a.wav"))
    # A gateway of the old shape (ack wait 30 s) fetches the event and dies before recording it.
    dead = await JobTransport.connect(gateway.settings, ensure=False)
    old = ConsumerConfig(
        durable_name=DURABLE,
        ack_policy=AckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=30,
        max_ack_pending=1024,
        filter_subject=names.job_events(),
    )
    await dead.js.add_consumer(names.events_stream, old)
    held = await (await dead.js.pull_subscribe_bind(DURABLE, stream=names.events_stream)).fetch(10, timeout=5)
    assert [msg.subject for msg in held] == [names.event_subject(current, "completed")]
    await dead.close()  # killed: never acknowledged

    died = time.monotonic()
    stop = asyncio.Event()
    consumer = asyncio.create_task(EventsConsumer(gateway).run(stop))
    try:
        while await gateway.pool.fetchval("SELECT status FROM generation_jobs WHERE id = $1", row["id"]) != "completed":
            assert time.monotonic() - died < 15, "the held event did not come back within 15 s"
            await asyncio.sleep(0.1)
        recovered = time.monotonic() - died
    finally:
        stop.set()
        await consumer
    assert recovered < gateway.settings.job_ack_wait + 5, f"recorded {recovered:.1f}s after its gateway died"
    info = await gateway.transport.js.consumer_info(names.events_stream, DURABLE)
    assert info.config.ack_wait == gateway.settings.job_ack_wait  # the old consumer took the new setting


async def test_an_event_recorded_slowly_is_not_handed_out_twice(
    bare: tuple[Gateway, uuid.UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a short ack wait, heartbeats keep an event that takes long to record from being redelivered."""
    gateway, _ = bare
    gateway.settings = gateway.settings.model_copy(update={"job_ack_wait": 1.0})
    names = gateway.transport.names
    job = submission_id(uuid.uuid4(), 1)
    await gateway.transport.js.publish(names.event_subject(job, "completed"), _completed(job, "runs/s/a.wav"))
    seen: list[str] = []

    async def slow_end_all(self: EventsConsumer, ends: list[Any]) -> None:
        seen.extend(end.event.job_id for end in ends)
        await asyncio.sleep(3.5)  # three and a half ack waits

    monkeypatch.setattr(EventsConsumer, "_end_all", slow_end_all)  # where a fetch's job ends are recorded
    stop = asyncio.Event()
    task = asyncio.create_task(EventsConsumer(gateway).run(stop))
    await asyncio.sleep(5.0)
    stop.set()
    await task
    assert seen == [job]
    info = await gateway.transport.js.consumer_info(names.events_stream, DURABLE)
    assert info.num_ack_pending == 0 and info.num_redelivered == 0
