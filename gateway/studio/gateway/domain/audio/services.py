"""Voices and the speech/music requests built from REST bodies."""

from __future__ import annotations

import uuid
from pathlib import Path

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.domain.audio.schemas import CloneVoiceForm, MusicRequest, SpeechRequest
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.submit import store_job
from studio.gateway.store.voices import ready_profile
from studio.gateway.uploads.checks import UploadInfo, validate_audio
from studio.gateway.uploads.storage import stored_upload
from studio.v1 import audio_pb2

AUDIO_FORMATS = {
    "wav": audio_pb2.AUDIO_FORMAT_WAV,
    "mp3": audio_pb2.AUDIO_FORMAT_MP3,
    "ogg": audio_pb2.AUDIO_FORMAT_OGG_OPUS,
    "flac": audio_pb2.AUDIO_FORMAT_FLAC,
}


def _sample_rate(value: int) -> int:
    if value and not 8000 <= value <= 48000:
        raise InvalidInput(f"sample_rate: {value} is not accepted; use 0 (the backend's default) or 8000-48000 Hz")
    return value


def _voice_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("name: give the voice a name of 1-100 characters")
    return name


def _language(language: str) -> str:
    language = language.strip().lower()
    if len(language) > 16 or not all(c.isalnum() or c == "-" for c in language):
        raise InvalidInput("language: use a short language tag such as 'pt-br' or 'en'")
    return language


async def clone_voice(gateway: Gateway, owner_id: uuid.UUID, form: CloneVoiceForm) -> tuple[uuid.UUID, uuid.UUID]:
    """Store a validated sample, then the sample asset, the registration job and the voice, atomically."""
    name = _voice_name(form.name)
    language = _language(form.language)
    settings = gateway.settings

    async def validate(path: Path, declared: str) -> UploadInfo:
        return await validate_audio(
            path, declared, settings.max_voice_sample_seconds, settings.min_voice_sample_seconds
        )

    voice_id = uuid.uuid4()
    async with (
        stored_upload(gateway, owner_id, form.sample, "voice-sample", validate) as upload,
        gateway.pool.acquire() as conn,
        conn.transaction(),
    ):
        await gateway.assets.insert(
            owner_id=owner_id,
            ref=upload.ref,
            role="upload",
            metadata=upload.info.metadata,
            asset_id=upload.asset_id,
            conn=conn,
        )
        request = audio_pb2.RegisterVoiceRequest(sample=upload.ref, name=name, language=language)
        job = await store_job(conn, gateway, owner_id=owner_id, service="audio", rpc="RegisterVoice", request=request)
        await gateway.voices.create(
            conn,
            voice_id=voice_id,
            owner_id=owner_id,
            name=name,
            language=language,
            sample_asset_id=upload.asset_id,
            job_id=job["id"],
        )
    gateway.dispatch_waker.wake()
    return voice_id, job["id"]


async def delete_voice(gateway: Gateway, owner_id: uuid.UUID, voice_id: uuid.UUID) -> None:
    """Remove the voice with its sample and profile artifacts."""
    async with gateway.pool.acquire() as conn, conn.transaction():
        voice = await gateway.voices.get(owner_id, voice_id, conn)
        if voice["status"] == "processing":
            raise FailedPrecondition(f"voice {voice_id} is still being processed; wait for its job or cancel it")
        keys = await gateway.assets.delete_with_job(conn, owner_id, voice["sample_asset_id"], voice["job_id"])
        await gateway.voices.delete(conn, voice_id)
    for key in keys:
        await gateway.artifacts.delete(key)


async def speech_request(gateway: Gateway, owner_id: uuid.UUID, data: SpeechRequest) -> audio_pb2.SynthesizeRequest:
    if data.voice_id and data.preset:
        raise InvalidInput("give either voice_id (a cloned voice) or preset (a backend voice), not both")
    voice = audio_pb2.VoiceSelection()
    language = data.language.lower()
    if data.voice_id:
        row = await gateway.voices.get(owner_id, parse_uuid(data.voice_id, "voice"))
        voice.profile.CopyFrom(ready_profile(row, data.voice_id))
        language = language or row["language"]
    elif data.preset:
        voice.preset = data.preset
    parameters = audio_pb2.SpeechParameters()
    for name in ("speed", "temperature", "cfg_weight", "exaggeration", "seed"):
        value = getattr(data, name)
        if value is not None:
            setattr(parameters, name, value)
    return audio_pb2.SynthesizeRequest(
        text=data.text,
        language=language,
        voice=voice,
        backend=data.backend,
        format=AUDIO_FORMATS[data.format],  # type: ignore[arg-type]
        sample_rate=_sample_rate(data.sample_rate),
        parameters=parameters,
    )


def music_request(data: MusicRequest) -> audio_pb2.GenerateMusicRequest:
    request = audio_pb2.GenerateMusicRequest(
        description=data.description,
        duration_seconds=data.duration_seconds,
        backend=data.backend,
        format=AUDIO_FORMATS[data.format],  # type: ignore[arg-type]
        sample_rate=_sample_rate(data.sample_rate),
    )
    if data.seed is not None:
        request.seed = data.seed
    return request
