"""Voices and the speech/music requests built from REST bodies."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
from google.protobuf.message import Message

from studio.core.errors import FailedPrecondition, InvalidInput, NotFound
from studio.gateway.context import Gateway
from studio.gateway.domain.assets.services import insert_asset
from studio.gateway.domain.assets.uploads import stored_upload
from studio.gateway.domain.assets.validation import MediaInfo, validate_audio
from studio.gateway.domain.audio.schemas import CloneVoiceForm, MusicRequest, SpeechRequest, Voice, VoiceLinks
from studio.gateway.domain.jobs.services import insert_job, parse_uuid
from studio.gateway.links import link
from studio.gateway.protojson import to_json
from studio.v1 import audio_pb2
from studio.v1.common_pb2 import ArtifactRef

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


def voice_out(gateway: Gateway, row: asyncpg.Record) -> Voice:
    voice_id = str(row["id"])
    return Voice(
        id=voice_id,
        name=row["name"],
        language=row["language"],
        status=row["status"],
        details=row["details"] or {},
        error=row["error"],
        created_at=row["created_at"],
        links=VoiceLinks(
            self_=link(gateway, f"/api/v1/audio/voices/{voice_id}"),
            job=link(gateway, f"/api/v1/jobs/{row['job_id']}") if row["job_id"] else None,
            sample=link(gateway, f"/api/v1/assets/{row['sample_asset_id']}") if row["sample_asset_id"] else None,
        ),
    )


async def fetch_voice(
    conn: asyncpg.Connection | asyncpg.Pool, owner_id: uuid.UUID, voice_id: uuid.UUID
) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM voices WHERE id = $1 AND owner_id = $2", voice_id, owner_id)
    if row is None:
        raise NotFound(f"voice {voice_id} not found")
    return row


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

    async def validate(path: Path, declared: str) -> MediaInfo:
        return await validate_audio(
            path, declared, settings.max_voice_sample_seconds, settings.min_voice_sample_seconds
        )

    voice_id = uuid.uuid4()
    async with (
        stored_upload(gateway, owner_id, form.sample, "voice-sample", validate) as upload,
        gateway.pool.acquire() as conn,
        conn.transaction(),
    ):
        await insert_asset(
            conn,
            owner_id=owner_id,
            ref=upload.ref,
            role="upload",
            metadata=upload.info.metadata,
            asset_id=upload.asset_id,
        )
        request = audio_pb2.RegisterVoiceRequest(sample=upload.ref, name=name, language=language)
        job = await insert_job(conn, gateway, owner_id=owner_id, service="audio", rpc="RegisterVoice", request=request)
        await conn.execute(
            "INSERT INTO voices (id, owner_id, name, language, sample_asset_id, job_id) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            voice_id,
            owner_id,
            name,
            language,
            upload.asset_id,
            job["id"],
        )
    gateway.dispatch_waker.wake()
    return voice_id, job["id"]


async def finish_voice(conn: asyncpg.Connection, job: asyncpg.Record, result: Message | None) -> None:
    """Called in the transaction that ends a registration job."""
    if job["status"] == "completed" and isinstance(result, audio_pb2.RegisterVoiceResult):
        details = to_json(result)
        profile = details.pop("profile", None)
        details.pop("reference", None)
        await conn.execute(
            "UPDATE voices SET status = 'ready', profile = $2, details = $3, error = NULL WHERE job_id = $1",
            job["id"],
            profile,
            details,
        )
    else:
        await conn.execute(
            "UPDATE voices SET status = 'failed', error = $2 WHERE job_id = $1",
            job["id"],
            job["error_message"] or f"voice registration {job['status']}",
        )


async def delete_voice(gateway: Gateway, owner_id: uuid.UUID, voice_id: uuid.UUID) -> None:
    """Remove the voice with its sample and profile artifacts."""
    async with gateway.pool.acquire() as conn, conn.transaction():
        voice = await fetch_voice(conn, owner_id, voice_id)
        if voice["status"] == "processing":
            raise FailedPrecondition(f"voice {voice_id} is still being processed; wait for its job or cancel it")
        assets = await conn.fetch(
            "DELETE FROM media_assets WHERE owner_id = $1 AND (id = $2 OR (job_id = $3 AND job_id IS NOT NULL)) "
            "RETURNING key",
            owner_id,
            voice["sample_asset_id"],
            voice["job_id"],
        )
        await conn.execute("DELETE FROM voices WHERE id = $1", voice_id)
    for asset in assets:
        await gateway.artifacts.delete(asset["key"])


async def speech_request(gateway: Gateway, owner_id: uuid.UUID, data: SpeechRequest) -> audio_pb2.SynthesizeRequest:
    if data.voice_id and data.preset:
        raise InvalidInput("give either voice_id (a cloned voice) or preset (a backend voice), not both")
    voice = audio_pb2.VoiceSelection()
    language = data.language.lower()
    if data.voice_id:
        row = await fetch_voice(gateway.pool, owner_id, parse_uuid(data.voice_id, "voice"))
        if row["status"] != "ready":
            raise FailedPrecondition(
                f"voice {data.voice_id} is {row['status']}"
                + (f": {row['error']}" if row["error"] else "; wait until its job completes")
            )
        voice.profile.CopyFrom(ArtifactRef(**row["profile"]))
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
