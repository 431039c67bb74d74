"""The service over real gRPC: StreamSpeech chunks, progress/result streams, and error status codes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import numpy as np
import pytest
import soundfile as sf

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import GrpcClient
from studio.core.errors import InvalidInput
from studio.core.grpc_server import ModelServer
from studio.core.operations import ServiceDefinition
from studio.v1 import audio_pb2 as pb


@pytest.fixture
async def server(service: ServiceDefinition, artifacts: LocalArtifactStore) -> AsyncIterator[ModelServer]:
    model_server = ModelServer(service, artifacts, port=0, host="127.0.0.1")
    await model_server.start()
    await model_server.load_backends()
    yield model_server
    await model_server.stop(grace=0)


async def test_stream_speech_sends_chunks_then_the_same_audio_stored(
    server: ModelServer, artifacts: LocalArtifactStore
) -> None:
    text = " ".join(f"Sentence {i} arrives as its own chunk of audio." for i in range(12))
    request = pb.StreamSpeechRequest(synthesis=pb.SynthesizeRequest(text=text, sample_rate=16000))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        call = channel.unary_stream(
            "/studio.v1.AudioService/StreamSpeech",
            request_serializer=pb.StreamSpeechRequest.SerializeToString,
            response_deserializer=pb.StreamSpeechResponse.FromString,
        )
        events = [response async for response in call(request)]
    kinds = [event.WhichOneof("event") for event in events]
    chunks = [event.chunk for event in events if event.HasField("chunk")]
    assert kinds[-1] == "result" and "progress" in kinds
    assert len(chunks) >= 2  # audio arrives before the whole text is spoken
    assert kinds.index("chunk") < kinds.index("progress") < len(kinds) - 2
    position = 0.0
    for chunk in chunks:
        assert (chunk.sample_rate, chunk.channels) == (16000, 1)
        assert chunk.start_seconds == pytest.approx(position, abs=1e-6)
        position += len(chunk.pcm_s16le) / 2 / 16000
    streamed = np.frombuffer(b"".join(c.pcm_s16le for c in chunks), dtype="<i2")
    result = events[-1].result
    stored, rate = sf.read(io.BytesIO(await artifacts.get_bytes(result.audio)), dtype="int16")
    assert rate == 16000 and np.array_equal(streamed, stored)
    assert result.duration_seconds == pytest.approx(position, abs=1e-3)
    assert len(result.words) == len(text.split())


async def test_operations_over_grpc(server: ServiceDefinition, artifacts: LocalArtifactStore, tmp_path: Path) -> None:
    client = GrpcClient(f"127.0.0.1:{server.port}", "studio.v1.AudioService")  # type: ignore[attr-defined]
    try:
        progress: list[float] = []

        async def on_progress(message: object) -> None:
            progress.append(message.fraction)  # type: ignore[attr-defined]

        result = await client.call("Synthesize", pb.SynthesizeRequest(text="Over the wire."), on_progress)
        assert isinstance(result, pb.SynthesizeResult) and result.words[0].word == "Over"
        listed = await client.call("ListAudioModels", pb.ListAudioModelsRequest())
        assert any(m.name == "espeak-ng" for m in listed.models)
        not_audio = await artifacts.put_bytes("inputs/readme.md", b"# README\nnot audio\n")
        with pytest.raises(InvalidInput, match="not audio"):
            await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=not_audio))
        with pytest.raises(InvalidInput, match="text: is empty"):
            await client.call("Synthesize", pb.SynthesizeRequest(text=" "))
    finally:
        await client.close()


async def test_stream_errors_are_status_codes(server: ModelServer) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        call = channel.unary_stream(
            "/studio.v1.AudioService/StreamSpeech",
            request_serializer=pb.StreamSpeechRequest.SerializeToString,
            response_deserializer=pb.StreamSpeechResponse.FromString,
        )
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            async for _ in call(pb.StreamSpeechRequest(synthesis=pb.SynthesizeRequest(text=""))):
                pass
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "text: is empty" in (raised.value.details() or "")
