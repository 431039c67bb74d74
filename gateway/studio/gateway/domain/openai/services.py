"""Running OpenAI-style requests as studio jobs and answering in OpenAI's shapes."""

from __future__ import annotations

import base64
import re
import time
import uuid
from typing import Any

from litestar import Request

from studio.core.errors import InvalidInput, Unavailable
from studio.gateway.context import Gateway
from studio.gateway.domain.openai.schemas import ImageData, ImageRequest, ImagesResponse, SpeechRequest
from studio.gateway.jobs.errors import job_error
from studio.gateway.jobs.submit import submit_job
from studio.gateway.jobs.waiting import wait_for_job
from studio.gateway.store.assets import ref_of
from studio.gateway.store.voices import ready_profile
from studio.v1 import audio_pb2, image_pb2

OPENAI_VOICES = {"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse"}
OPENAI_TTS_MODELS = {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"}
SPEECH_FORMATS = {
    "mp3": (audio_pb2.AUDIO_FORMAT_MP3, "audio/mpeg"),
    "opus": (audio_pb2.AUDIO_FORMAT_OGG_OPUS, "audio/ogg"),
    "flac": (audio_pb2.AUDIO_FORMAT_FLAC, "audio/flac"),
    "wav": (audio_pb2.AUDIO_FORMAT_WAV, "audio/wav"),
}
_SIZE = re.compile(r"^(\d{2,4})x(\d{2,4})$")


async def _voice(gateway: Gateway, owner_id: uuid.UUID, name: str) -> audio_pb2.VoiceSelection:
    """A studio voice (by id or name) of this key, a backend preset, or the default voice."""
    if name.lower() in OPENAI_VOICES:
        return audio_pb2.VoiceSelection()
    try:
        voice_id: uuid.UUID | None = uuid.UUID(name)
    except ValueError:
        voice_id = None
    row = await gateway.voices.find(owner_id, voice_id, name)
    if row is None:
        return audio_pb2.VoiceSelection(preset=name)
    return audio_pb2.VoiceSelection(profile=ready_profile(row, name))


async def speech_job(gateway: Gateway, owner_id: uuid.UUID, data: SpeechRequest) -> tuple[uuid.UUID, str]:
    if data.response_format not in SPEECH_FORMATS:
        raise InvalidInput(f"response_format {data.response_format!r} is not available; use mp3, opus, flac or wav")
    audio_format, content_type = SPEECH_FORMATS[data.response_format]
    request = audio_pb2.SynthesizeRequest(
        text=data.input,
        voice=await _voice(gateway, owner_id, data.voice),
        backend="" if data.model in OPENAI_TTS_MODELS else data.model,
        format=audio_format,
        parameters=audio_pb2.SpeechParameters(speed=data.speed),
    )
    return await submit_job(gateway, owner_id, "audio", "Synthesize", request), content_type


def _size(size: str) -> tuple[int, int]:
    if size == "auto":
        return 0, 0
    match = _SIZE.match(size)
    if match:
        width, height = int(match.group(1)), int(match.group(2))
        if all(64 <= v <= 2048 and v % 16 == 0 for v in (width, height)):
            return width, height
    raise InvalidInput(f"size {size!r} is not available; use 'auto' or WIDTHxHEIGHT, multiples of 16 from 64 to 2048")


async def image_job(gateway: Gateway, owner_id: uuid.UUID, data: ImageRequest) -> uuid.UUID:
    width, height = _size(data.size)
    formats = {
        "png": image_pb2.IMAGE_FORMAT_PNG,
        "jpeg": image_pb2.IMAGE_FORMAT_JPEG,
        "webp": image_pb2.IMAGE_FORMAT_WEBP,
    }
    request = image_pb2.GenerateRequest(
        prompt=data.prompt,
        width=width,
        height=height,
        count=data.n,
        model="" if (data.model or "").startswith(("dall-e", "gpt-image")) else (data.model or ""),
        format=formats[data.output_format],
    )
    return await submit_job(gateway, owner_id, "image", "Generate", request)


async def finished(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> Any:
    """Wait for the job; its row when completed, else the job's error (or 503 when it took too long)."""
    await wait_for_job(gateway, owner_id, job_id, gateway.settings.openai_wait_seconds)
    row = await gateway.jobs.get(owner_id, job_id)
    if row["status"] == "completed":
        return row
    if row["status"] in ("failed", "cancelled"):
        raise job_error(row)
    raise Unavailable(
        f"job {job_id} did not finish within {gateway.settings.openai_wait_seconds:.0f}s; "
        f"it continues: follow it at /api/v1/jobs/{job_id}"
    )


async def output_assets(gateway: Gateway, job_id: uuid.UUID) -> list[Any]:
    return await gateway.assets.of_job(job_id)


async def images_response(
    gateway: Gateway, request: Request[Any, Any, Any], owner_id: uuid.UUID, job_id: uuid.UUID, data: ImageRequest
) -> ImagesResponse:
    row = await gateway.jobs.get(owner_id, job_id)
    items: list[ImageData] = []
    for asset in await output_assets(gateway, job_id):
        if asset["type"] != "image":
            continue
        if data.response_format == "b64_json":
            items.append(
                ImageData(b64_json=base64.b64encode(await gateway.artifacts.get_bytes(ref_of(asset))).decode())
            )
            continue
        url = await gateway.artifacts.presigned_get_url(asset["key"], 3600)
        if not url.startswith(("http://", "https://")):
            base = gateway.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
            url = f"{base}/api/v1/assets/{asset['id']}/download"
        items.append(ImageData(url=url))
    return ImagesResponse(created=int(row["created_at"].timestamp() or time.time()), data=items)
