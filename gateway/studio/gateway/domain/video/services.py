"""Video requests built from REST bodies; an avatar inherits the timings of the speech it lip-syncs."""

from __future__ import annotations

import uuid

import asyncpg
from google.protobuf.any_pb2 import Any as AnyMessage

from studio.gateway.context import Gateway
from studio.gateway.domain.video.schemas import AnimateRequest, CreateAvatarRequest
from studio.gateway.protojson import unpack_any
from studio.gateway.store.assets import ref_of
from studio.v1 import audio_pb2, video_pb2


async def _speech_timings(gateway: Gateway, audio: asyncpg.Record) -> audio_pb2.SynthesizeResult | None:
    """The SynthesizeResult that produced an audio asset, when it came from generate-speech."""
    if audio["job_id"] is None:
        return None
    packed = await gateway.jobs.result_any(audio["job_id"], "audio.synthesize")
    if packed is None:
        return None
    result = unpack_any(AnyMessage.FromString(packed))
    return result if isinstance(result, audio_pb2.SynthesizeResult) else None


async def avatar_request(
    gateway: Gateway, owner_id: uuid.UUID, data: CreateAvatarRequest
) -> video_pb2.CreateAvatarVideoRequest:
    portrait = await gateway.assets.input(owner_id, data.portrait_asset_id, "image", "portrait_asset_id")
    audio = await gateway.assets.input(owner_id, data.audio_asset_id, "audio", "audio_asset_id")
    request = video_pb2.CreateAvatarVideoRequest(
        portrait=ref_of(portrait),
        audio=ref_of(audio),
        width=data.width,
        height=data.height,
        fps=data.fps,
        backend=data.backend,
    )
    speech = await _speech_timings(gateway, audio)
    if speech is not None:
        request.phonemes.extend(speech.phonemes)
        request.words.extend(speech.words)
    if data.face is not None:
        request.face.CopyFrom(
            video_pb2.FaceBox(x=data.face.x, y=data.face.y, width=data.face.width, height=data.face.height)
        )
    return request


async def animate_request(gateway: Gateway, owner_id: uuid.UUID, data: AnimateRequest) -> video_pb2.AnimateRequest:
    image = await gateway.assets.input(owner_id, data.image_asset_id, "image", "image_asset_id")
    request = video_pb2.AnimateRequest(
        image=ref_of(image),
        motion=data.motion,
        duration_seconds=data.duration_seconds,
        width=data.width,
        height=data.height,
        fps=data.fps,
        model=data.model,
        backend=data.backend,
    )
    if data.seed is not None:
        request.seed = data.seed
    return request
