"""The audio model server's ServiceDefinition: operations over one AudioRuntime of backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc

from studio.audio.backends.base import MusicBackend, SpeechBackend
from studio.audio.ops.music import generate_music
from studio.audio.ops.register_voice import register_voice
from studio.audio.ops.speech import stream_speech, synthesize
from studio.audio.runtime import AudioRuntime
from studio.audio.settings import AudioSettings
from studio.core.artifacts import ArtifactStore
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.core.providers.settings import ProviderSettings
from studio.core.settings import load_settings
from studio.v1.audio_pb2 import (
    GenerateMusicRequest,
    GenerateMusicResponse,
    GenerateMusicResult,
    ListAudioModelsRequest,
    ListAudioModelsResponse,
    RegisterVoiceRequest,
    RegisterVoiceResponse,
    RegisterVoiceResult,
    StreamSpeechRequest,
    StreamSpeechResponse,
    SynthesizeRequest,
    SynthesizeResponse,
    SynthesizeResult,
)


def build_service(
    artifacts: ArtifactStore,
    *,
    settings: AudioSettings | None = None,
    speech_backends: dict[str, SpeechBackend] | None = None,
    music_backends: dict[str, MusicBackend] | None = None,
    providers: ProviderSettings | None = None,
) -> ServiceDefinition:
    """The audio service. Keyword arguments let tests inject settings and stand-in backends."""
    runtime = AudioRuntime(
        settings or load_settings(AudioSettings),
        speech=speech_backends,
        music=music_backends,
        providers=providers,
    )

    async def on_register(request: RegisterVoiceRequest, ctx: OperationContext) -> RegisterVoiceResult:
        return await register_voice(request, ctx, runtime)

    async def on_synthesize(request: SynthesizeRequest, ctx: OperationContext) -> SynthesizeResult:
        return await synthesize(request, ctx, runtime)

    async def on_music(request: GenerateMusicRequest, ctx: OperationContext) -> GenerateMusicResult:
        return await generate_music(request, ctx, runtime)

    async def on_list(request: ListAudioModelsRequest, ctx: OperationContext) -> ListAudioModelsResponse:
        return ListAudioModelsResponse(models=runtime.models())

    async def on_stream(request: StreamSpeechRequest, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        ctx = OperationContext(artifacts=artifacts, run_id=uuid.uuid4().hex)
        async for response in stream_speech(request, ctx, runtime):
            yield response

    definition = ServiceDefinition(
        name="audio",
        grpc_service="studio.v1.AudioService",
        operations=(
            Operation("RegisterVoice", RegisterVoiceRequest, RegisterVoiceResponse, on_register),
            Operation("Synthesize", SynthesizeRequest, SynthesizeResponse, on_synthesize),
            Operation("GenerateMusic", GenerateMusicRequest, GenerateMusicResponse, on_music),
            Operation("ListAudioModels", ListAudioModelsRequest, ListAudioModelsResponse, on_list, unary=True),
        ),
        load=runtime.load,
        estimate=runtime.estimate,
        extra_handlers={
            "StreamSpeech": grpc.unary_stream_rpc_method_handler(
                on_stream,
                request_deserializer=StreamSpeechRequest.FromString,
                response_serializer=StreamSpeechResponse.SerializeToString,
            )
        },
        backends=[name for _, name in runtime.startup_backends()],
    )
    definition.runtime = runtime  # type: ignore[attr-defined]
    return definition
