"""POST /v1/audio/speech as a studio Synthesize job, in the format and at the rate OpenAI answers with."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from studio.gateway.context import Gateway
from studio.gateway.domain.openai.errors import OpenAIError
from studio.gateway.domain.openai.schemas import SpeechRequest, VoiceRef
from studio.gateway.jobs.submit import submit_job
from studio.gateway.store.voices import ready_profile
from studio.v1 import audio_pb2

OPENAI_VOICES = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar"}
)
OPENAI_TTS_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
#: OpenAI speaks at 24 kHz in every format; its "pcm" is documented as exactly that, mono.
SAMPLE_RATE = 24000


@dataclass(frozen=True)
class SpeechFormat:
    audio_format: audio_pb2.AudioFormat
    #: What OpenAI labels the body with (not always what the artifact store records, e.g. opus).
    content_type: str


SPEECH_FORMATS = {
    "mp3": SpeechFormat(audio_pb2.AUDIO_FORMAT_MP3, "audio/mpeg"),
    "opus": SpeechFormat(audio_pb2.AUDIO_FORMAT_OGG_OPUS, "audio/opus"),
    "aac": SpeechFormat(audio_pb2.AUDIO_FORMAT_AAC, "audio/aac"),
    "flac": SpeechFormat(audio_pb2.AUDIO_FORMAT_FLAC, "audio/flac"),
    "wav": SpeechFormat(audio_pb2.AUDIO_FORMAT_WAV, "audio/wav"),
    "pcm": SpeechFormat(audio_pb2.AUDIO_FORMAT_PCM, "audio/pcm"),
}


def speech_backend(model: str) -> str:
    """The studio backend a `model` names: OpenAI's TTS models (and their snapshots) get the default."""
    return "" if model.startswith(OPENAI_TTS_MODELS) else model


async def _voice(gateway: Gateway, owner_id: uuid.UUID, voice: str | VoiceRef) -> audio_pb2.VoiceSelection:
    """A studio voice (by id or name) of this key, a backend preset, or the default voice."""
    name = voice.id if isinstance(voice, VoiceRef) else voice
    if name.lower() in OPENAI_VOICES:
        return audio_pb2.VoiceSelection()
    try:
        voice_id: uuid.UUID | None = uuid.UUID(name)
    except ValueError:
        voice_id = None
    row = await gateway.voices.find(owner_id, voice_id, name)
    if row is None:
        return audio_pb2.VoiceSelection(preset=name)
    return audio_pb2.VoiceSelection(profile=ready_profile(row, name, "voice"))


async def speech_job(gateway: Gateway, owner_id: uuid.UUID, data: SpeechRequest) -> uuid.UUID:
    if data.stream_format != "audio":
        raise OpenAIError(
            f"Unsupported value: 'stream_format' does not support '{data.stream_format}' here; "
            "use 'audio' (the default): the answer is the whole audio file.",
            param="stream_format",
            code="unsupported_value",
        )
    request = audio_pb2.SynthesizeRequest(
        text=data.input,
        voice=await _voice(gateway, owner_id, data.voice),
        backend=speech_backend(data.model),
        format=SPEECH_FORMATS[data.response_format].audio_format,
        sample_rate=SAMPLE_RATE,
        parameters=audio_pb2.SpeechParameters(speed=data.speed),
    )
    return await submit_job(gateway, owner_id, "audio", "Synthesize", request)
