"""Checks an upload passes before anything is stored: its format, told and probed by the studio's one
media policy (studio.core.media), then the gateway's own limits on length and size."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import InvalidInput
from studio.core.media import AUDIO, IMAGE, MEDIA, Container, detect_file, probe, unsupported
from studio.gateway.errors import UnsupportedMediaType

WHERE = "the upload"


@dataclass(frozen=True)
class UploadInfo:
    kind: str  # "audio" | "image"
    format: str
    content_type: str
    duration_seconds: float = 0.0
    width: int = 0
    height: int = 0
    sample_rate: int = 0
    channels: int = 0

    @property
    def metadata(self) -> dict[str, float | int | str]:
        fields: dict[str, float | int | str] = {
            "format": self.format,
            "duration_seconds": self.duration_seconds,
            "width": self.width,
            "height": self.height,
            "sample_rate": self.sample_rate,
            "channels": self.channels,
        }
        return {k: v for k, v in fields.items() if v}


def _declared(declared: str) -> str:
    return f" (sent as {declared})" if declared else ""


async def _container(path: Path, kind: str, declared: str) -> Container:
    """The upload's container if it holds `kind` (MEDIA: audio or image); 415 with the one message otherwise."""
    container = await asyncio.to_thread(detect_file, path)
    kinds = {AUDIO, IMAGE} if kind == MEDIA else {kind}
    if container is None or not container.kinds & kinds:
        raise UnsupportedMediaType(unsupported(kind, WHERE) + _declared(declared))
    return container


async def _check_audio(path: Path, container: Container, max_seconds: float, min_seconds: float) -> UploadInfo:
    info = await probe(path, container, WHERE)
    if not info.has_audio:
        raise InvalidInput(f"{WHERE}: the {container.label} file has no audio stream")
    duration = info.audio_duration
    if duration <= 0 or duration < min_seconds:
        raise InvalidInput(
            f"the audio lasts {duration:.2f}s; at least {max(min_seconds, 0.01):.2f}s is needed "
            "(a clear recording of a few seconds or more)"
        )
    if duration > max_seconds:
        raise InvalidInput(f"the audio is {duration:.0f}s long; at most {max_seconds:.0f}s is accepted")
    return UploadInfo(
        kind=AUDIO,
        format=container.name,
        content_type=container.content_type(AUDIO),
        duration_seconds=round(duration, 3),
        sample_rate=info.sample_rate,
        channels=info.channels,
    )


def _check_image(path: Path, container: Container, max_pixels: int) -> UploadInfo:
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise InvalidInput(f"the image is {width}x{height}; at most {max_pixels} pixels are accepted")
            image.verify()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(f"the image is too large; at most {max_pixels} pixels are accepted") from None
    except Exception as error:  # noqa: BLE001 - any decoder failure means "not a valid image"
        raise InvalidInput(f"{WHERE}: unreadable {container.label} image ({error})") from None
    return UploadInfo(
        kind=IMAGE, format=container.name, content_type=container.content_type(IMAGE), width=width, height=height
    )


async def validate_audio(path: Path, declared: str, max_seconds: float, min_seconds: float = 0.0) -> UploadInfo:
    container = await _container(path, AUDIO, declared)
    return await _check_audio(path, container, max_seconds, min_seconds)


async def validate_media(path: Path, declared: str, max_seconds: float, max_pixels: int) -> UploadInfo:
    """An image or an audio file, whichever its bytes say it is."""
    container = await _container(path, MEDIA, declared)
    if IMAGE in container.kinds:
        return await asyncio.to_thread(_check_image, path, container, max_pixels)
    return await _check_audio(path, container, max_seconds, 0.0)
