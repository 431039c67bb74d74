"""Request and response shapes of the audio endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar.datastructures import UploadFile
from litestar.openapi.spec import Schema
from litestar.params import Parameter

from studio.gateway.jobs.schemas import Job, JobOptions
from studio.gateway.requests import Uuid

AudioFormatName = Literal["wav", "mp3", "ogg", "flac"]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=r"\S", examples=["Olá, eu sou a Luna."])]
Language = Annotated[str, msgspec.Meta(max_length=16, pattern=r"^[A-Za-z0-9-]*$", examples=["pt-br"])]
Name = Annotated[str, msgspec.Meta(max_length=100)]
#: 0 (the backend's default) or 8000-48000 Hz.
SampleRate = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=48000,
        extra_json_schema={"extra": {"any_of": [Schema(const=0), Schema(minimum=8000, maximum=48000)]}},
    ),
]


@dataclass
class CloneVoiceForm:
    """multipart/form-data: the reference recording and a name for the voice."""

    sample: UploadFile
    #: 1-100 characters, not only spaces (checked by the service, with its message).
    name: Annotated[str, Parameter(min_length=1, max_length=100, pattern=r"^[^\u0000]*[^\s\u0000][^\u0000]*$")]
    language: str = ""


class VoiceLinks(msgspec.Struct):
    self_: str = msgspec.field(name="self")
    job: str | None = None
    sample: str | None = None


class Voice(msgspec.Struct):
    id: str
    name: str
    language: str
    #: processing, ready, failed
    status: str
    details: dict[str, Any]
    error: str | None
    created_at: datetime
    links: VoiceLinks


class CloneVoiceAccepted(msgspec.Struct):
    voice: Voice
    job: Job


class SpeechRequest(JobOptions, kw_only=True):
    exclusive = (("voice_id", "preset"),)
    absent = (None, "")

    text: Text
    #: A voice from clone-voice (id). Without it (and without preset) the backend's default voice speaks.
    voice_id: Uuid | None = None
    #: A backend's own voice, e.g. espeak's "pt-br+f3".
    preset: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    language: Language = ""
    backend: Name = ""
    format: AudioFormatName = "wav"
    sample_rate: SampleRate = 0
    speed: Annotated[float, msgspec.Meta(ge=0.25, le=4.0)] | None = None
    temperature: Annotated[float, msgspec.Meta(ge=0.0, le=2.0)] | None = None
    cfg_weight: Annotated[float, msgspec.Meta(ge=0.0, le=2.0)] | None = None
    exaggeration: Annotated[float, msgspec.Meta(ge=0.0, le=2.0)] | None = None
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None = None


class MusicRequest(JobOptions, kw_only=True):
    description: Annotated[
        str, msgspec.Meta(min_length=1, max_length=1000, pattern=r"\S", examples=["calm warm piano"])
    ]
    duration_seconds: Annotated[float, msgspec.Meta(ge=1.0, le=600.0)] = 30.0
    backend: Name = ""
    format: AudioFormatName = "wav"
    sample_rate: SampleRate = 0
    seed: Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)] | None = None
