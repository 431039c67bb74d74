"""Audio operations as durable jobs on the real NATS JetStream server (same handlers as gRPC)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.jobs import JobTransport, JobWorker
from studio.core.jobs.transport import event_kind
from studio.core.operations import ServiceDefinition
from studio.v1 import audio_pb2 as pb
from studio.v1.common_pb2 import ERROR_CODE_INVALID_ARGUMENT


@pytest.fixture
async def worker(
    transport: JobTransport, service: ServiceDefinition, artifacts: LocalArtifactStore
) -> AsyncIterator[JobWorker]:
    running = JobWorker(transport, service, artifacts, concurrency=2)
    stop = asyncio.Event()
    task = asyncio.create_task(running.run(stop))
    yield running
    stop.set()
    await task


@pytest.mark.usefixtures("worker")
async def test_synthesize_and_music_jobs_complete(transport: JobTransport, artifacts: LocalArtifactStore) -> None:
    speech_id, _ = await transport.submit("audio", "synthesize", pb.SynthesizeRequest(text="A durable job."))
    music_id, _ = await transport.submit(
        "audio", "generate_music", pb.GenerateMusicRequest(description="calm", duration_seconds=2)
    )
    speech_event = await transport.wait(speech_id, timeout=60)
    assert event_kind(speech_event) == "completed"
    speech = pb.SynthesizeResult()
    assert speech_event.completed.result.Unpack(speech)
    assert [w.word for w in speech.words] == ["A", "durable", "job"]
    assert speech.audio.key == f"runs/{speech_id}/1/speech.wav" and await artifacts.exists(speech.audio.key)
    music_event = await transport.wait(music_id, timeout=60)
    music = pb.GenerateMusicResult()
    assert music_event.completed.result.Unpack(music) and music.channels == 2


@pytest.mark.usefixtures("worker")
async def test_bad_requests_fail_once_with_invalid_argument(transport: JobTransport) -> None:
    job_id, _ = await transport.submit("audio", "synthesize", pb.SynthesizeRequest(text="hi", sample_rate=7))
    event = await transport.wait(job_id, timeout=60)
    assert event_kind(event) == "failed"
    assert event.failed.code == ERROR_CODE_INVALID_ARGUMENT and "sample_rate" in event.failed.message
