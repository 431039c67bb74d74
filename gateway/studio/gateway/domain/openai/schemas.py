"""OpenAI's request and response shapes (the subset the studio can honour)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec


class SpeechRequest(msgspec.Struct, kw_only=True):
    #: "tts-1", "gpt-4o-mini-tts" (the default backend) or a studio backend ("espeak", "chatterbox").
    model: Annotated[str, msgspec.Meta(max_length=100)] = "tts-1"
    input: Annotated[str, msgspec.Meta(min_length=1, max_length=4096, pattern=r"\S")]
    #: OpenAI voice names use the default voice; a studio voice id or name, or a backend preset, picks that voice.
    voice: Annotated[str, msgspec.Meta(max_length=100)] = "alloy"
    response_format: Literal["mp3", "opus", "flac", "wav", "aac", "pcm"] = "mp3"
    speed: Annotated[float, msgspec.Meta(ge=0.25, le=4.0)] = 1.0
    instructions: Annotated[str, msgspec.Meta(max_length=4096)] | None = None


class ImageRequest(msgspec.Struct, kw_only=True):
    prompt: Annotated[str, msgspec.Meta(min_length=1, max_length=4000, pattern=r"\S")]
    model: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    n: Annotated[int, msgspec.Meta(ge=1, le=4)] = 1
    #: "WIDTHxHEIGHT" (multiples of 16, 64-2048) or "auto".
    size: Annotated[str, msgspec.Meta(max_length=20, examples=["1024x1024"])] = "auto"
    response_format: Literal["url", "b64_json"] = "url"
    output_format: Literal["png", "jpeg", "webp"] = "png"
    quality: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    style: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    user: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class ImageData(msgspec.Struct, omit_defaults=True):
    url: str | None = None
    b64_json: str | None = None
    revised_prompt: str | None = None


class ImagesResponse(msgspec.Struct):
    created: int
    data: list[ImageData]
