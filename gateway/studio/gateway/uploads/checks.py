"""Checks an upload passes before anything is stored: its real type (from its bytes, not
its name or declared type), that it decodes, and its size and duration limits."""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import InvalidInput
from studio.gateway.errors import UnsupportedMediaType

AUDIO_TYPES = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "m4a": "audio/mp4",
    "webm": "audio/webm",
}
IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
AUDIO_ACCEPTED = "WAV, MP3, OGG, FLAC, M4A or WebM audio"
IMAGE_ACCEPTED = "PNG, JPEG or WebP images"
FFPROBE_TIMEOUT = 30.0


@dataclass(frozen=True)
class MediaInfo:
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


def sniff_audio(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06):
        return "mp3"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None


def sniff_image(head: bytes) -> str | None:
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(64)


def _declared(declared: str) -> str:
    return f" (got {declared})" if declared else ""


async def probe_audio(path: Path, fmt: str, max_seconds: float, min_seconds: float = 0.0) -> MediaInfo:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:  # the bytes were sniffed; without ffprobe the service does the decoding check
        return MediaInfo(kind="audio", format=fmt, content_type=AUDIO_TYPES[fmt])
    proc = await asyncio.create_subprocess_exec(
        ffprobe,
        "-v",
        "error",
        "-select_streams",
        "a:0",
        "-show_entries",
        "stream=codec_type,sample_rate,channels:format=duration",
        "-of",
        "json",
        str(path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), FFPROBE_TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise InvalidInput("the audio could not be read in time; upload a shorter or simpler file") from None
    info = json.loads(out or b"{}") if proc.returncode == 0 else {}
    streams = info.get("streams") or []
    if proc.returncode != 0 or not streams:
        reason = err.decode(errors="replace").strip().splitlines()[-1:] or ["no audio stream"]
        raise InvalidInput(f"the file looks like {fmt.upper()} but does not decode as audio: {reason[0][:200]}")
    duration = float(info.get("format", {}).get("duration") or 0.0)
    if duration <= 0 or duration < min_seconds:
        raise InvalidInput(
            f"the audio lasts {duration:.2f}s; at least {max(min_seconds, 0.01):.2f}s is needed "
            "(a clear recording of a few seconds or more)"
        )
    if duration > max_seconds:
        raise InvalidInput(f"the audio is {duration:.0f}s long; at most {max_seconds:.0f}s is accepted")
    stream = streams[0]
    return MediaInfo(
        kind="audio",
        format=fmt,
        content_type=AUDIO_TYPES[fmt],
        duration_seconds=round(duration, 3),
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
    )


def _check_image(path: Path, fmt: str, max_pixels: int) -> MediaInfo:
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
        raise InvalidInput(f"the file looks like {fmt.upper()} but does not decode as an image: {error}") from None
    return MediaInfo(kind="image", format=fmt, content_type=IMAGE_TYPES[fmt], width=width, height=height)


async def validate_audio(path: Path, declared: str, max_seconds: float, min_seconds: float = 0.0) -> MediaInfo:
    fmt = sniff_audio(await asyncio.to_thread(_head, path))
    if fmt is None:
        raise UnsupportedMediaType(f"expected {AUDIO_ACCEPTED}; the upload is not audio{_declared(declared)}")
    return await probe_audio(path, fmt, max_seconds, min_seconds)


async def validate_image(path: Path, declared: str, max_pixels: int) -> MediaInfo:
    fmt = sniff_image(await asyncio.to_thread(_head, path))
    if fmt is None:
        raise UnsupportedMediaType(f"expected {IMAGE_ACCEPTED}; the upload is not an image{_declared(declared)}")
    return await asyncio.to_thread(_check_image, path, fmt, max_pixels)


async def validate_media(path: Path, declared: str, max_seconds: float, max_pixels: int) -> MediaInfo:
    """An image or an audio file, whichever its bytes say it is."""
    head = await asyncio.to_thread(_head, path)
    if sniff_image(head):
        return await validate_image(path, declared, max_pixels)
    if sniff_audio(head):
        return await validate_audio(path, declared, max_seconds)
    raise UnsupportedMediaType(f"expected {IMAGE_ACCEPTED} or {AUDIO_ACCEPTED}{_declared(declared)}")
