"""OpenAI's request and response shapes, as its API reference and official client define them.

Fields the studio cannot act on (`instructions`, `quality`, `style`, `user`) are still
checked as OpenAI checks them, so a client sees the same errors; unknown fields are
ignored, as Open WebUI passes operator-chosen extras through.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

SpeechFormatName = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class VoiceRef(msgspec.Struct):
    """A custom voice as OpenAI's client sends one: `{"id": "voice_1234"}` (here a studio voice id or name)."""

    id: Name


class SpeechRequest(msgspec.Struct, kw_only=True):
    #: "tts-1", "tts-1-hd", "gpt-4o-mini-tts…" (the default speech backend) or a studio backend ("espeak").
    model: Name
    input: Annotated[str, msgspec.Meta(min_length=1, max_length=4096, pattern=r"\S")]
    #: OpenAI's voice names speak with the default voice; a studio voice id or name, or a backend preset, picks it.
    voice: Name | VoiceRef
    response_format: SpeechFormatName = "mp3"
    speed: Annotated[float, msgspec.Meta(ge=0.25, le=4.0)] = 1.0
    #: Accepted and ignored: the studio's voices take no style instructions.
    instructions: Annotated[str, msgspec.Meta(max_length=4096)] | None = None
    #: Only "audio": the answer is the whole file ("sse" is refused).
    stream_format: Literal["audio", "sse"] = "audio"


class ImageRequest(msgspec.Struct, kw_only=True):
    prompt: Annotated[str, msgspec.Meta(min_length=1, max_length=2000, pattern=r"\S")]
    #: "dall-e-2", "dall-e-3", "gpt-image-…" (the default image model) or a studio image model.
    model: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    n: Annotated[int, msgspec.Meta(ge=1, le=4)] | None = 1
    #: "WIDTHxHEIGHT" (each side a multiple of 16 from 64 to 2048) or "auto".
    size: Annotated[str, msgspec.Meta(max_length=20, examples=["1024x1024"])] | None = "auto"
    #: Default: "b64_json" for gpt-image models (as OpenAI), "url" otherwise.
    response_format: Literal["url", "b64_json"] | None = None
    output_format: Literal["png", "jpeg", "webp"] | None = "png"
    quality: Literal["standard", "hd", "low", "medium", "high", "auto"] | None = None
    style: Literal["vivid", "natural"] | None = None
    user: Annotated[str, msgspec.Meta(max_length=256)] | None = None


class ImageData(msgspec.Struct, omit_defaults=True):
    url: str | None = None
    b64_json: str | None = None


class ImagesResponse(msgspec.Struct):
    created: int
    data: list[ImageData]


class OpenAIModel(msgspec.Struct):
    id: str
    created: int
    owned_by: str
    object: Literal["model"] = "model"


class OpenAIModelList(msgspec.Struct):
    data: list[OpenAIModel]
    object: Literal["list"] = "list"


class ErrorDetail(msgspec.Struct):
    message: str
    #: "invalid_request_error", "requests" (rate limits) or "server_error".
    type: str
    #: The request field at fault, when one is.
    param: str | None
    #: A machine-readable reason ("missing_required_parameter", "invalid_api_key", …) or null.
    code: str | None


class ErrorBody(msgspec.Struct):
    """Every /v1 error, as application/json: OpenAI's envelope, not problem+json."""

    error: ErrorDetail
