"""Thumbnails and format exports of assets, made by ffmpeg through the media policy (`studio.core.media`).

The stored object is copied to a scratch folder, its container detected from its bytes and read with
exactly that demuxer (`media.input_args`); ffmpeg runs as a subprocess with a time limit and few
threads, and is killed when the client goes away. Only assets within the upload size limit are
converted; asking for the format an asset already has answers the original.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core import media
from studio.core.errors import ConfigError, InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.errors import PayloadTooLarge

#: Seconds one conversion may take.
CONVERT_TIMEOUT = 120.0
#: ffmpeg threads per conversion, and conversions at once per gateway (its CPU serves requests first).
THREADS = "2"
AT_ONCE = 2
_running: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _limit() -> asyncio.Semaphore:
    """The event loop's conversion slots (a semaphore belongs to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _running:
        _running[loop] = asyncio.Semaphore(AT_ONCE)
    return _running[loop]


@dataclass(frozen=True)
class Target:
    kind: str
    content_type: str
    extension: str
    #: What ffmpeg writes it with.
    args: tuple[str, ...]
    #: The stored containers that already are this format (answered as they are).
    same: tuple[str, ...]


_MP4 = ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart")
EXPORTS: dict[str, Target] = {
    "png": Target(media.IMAGE, "image/png", "png", ("-frames:v", "1", "-c:v", "png", "-f", "image2"), ("png",)),
    "jpeg": Target(
        media.IMAGE, "image/jpeg", "jpg", ("-frames:v", "1", "-c:v", "mjpeg", "-q:v", "2", "-f", "image2"), ("jpeg",)
    ),
    "webp": Target(
        media.IMAGE,
        "image/webp",
        "webp",
        ("-frames:v", "1", "-c:v", "libwebp", "-quality", "90", "-f", "webp"),
        ("webp",),
    ),
    "wav": Target(media.AUDIO, "audio/wav", "wav", ("-vn", "-c:a", "pcm_s16le", "-f", "wav"), ("wav",)),
    "mp3": Target(media.AUDIO, "audio/mpeg", "mp3", ("-vn", "-c:a", "libmp3lame", "-q:a", "2", "-f", "mp3"), ("mp3",)),
    "mp4": Target(media.VIDEO, "video/mp4", "mp4", (*_MP4, "-f", "mp4"), ("m4a",)),
}


def formats_of(kind: str) -> list[str]:
    return [name for name, target in EXPORTS.items() if target.kind == kind]


def export_target(asset: Any, format_: str) -> Target:
    """The format asked for, if it fits the asset's type; InvalidInput with the accepted list otherwise."""
    accepted = formats_of(asset["type"])
    if not accepted:
        raise InvalidInput(f"format: a(n) {asset['type']} asset is not converted; download the original instead")
    target = EXPORTS.get(format_)
    if target is None or target.kind != asset["type"]:
        raise InvalidInput(
            f"format: {format_!r} does not fit a(n) {asset['type']} asset; accepted: {', '.join(accepted)}"
        )
    return target


@dataclass(frozen=True)
class Converted:
    path: Path
    content_type: str
    #: The scratch folder to remove once the answer is sent.
    scratch: Path


@contextlib.asynccontextmanager
async def _scratch() -> AsyncIterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="studio-convert-"))
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


async def _fetch(gateway: Gateway, asset: Any, folder: Path, kind: str) -> tuple[Path, media.Container]:
    if asset["size"] > gateway.settings.max_upload_bytes:
        raise PayloadTooLarge(
            f"asset {asset['id']} is {asset['size']} bytes; conversions take at most "
            f"{gateway.settings.max_upload_bytes} (STUDIO_MAX_UPLOAD_BYTES): download the original instead"
        )
    path = await gateway.artifacts.download(asset["key"], folder / "input")
    return path, media.require(path, kind, f"asset {asset['id']}")


async def _ffmpeg(args: list[str], label: str) -> None:
    async with _limit():
        await _run_ffmpeg(args, label)


async def _run_ffmpeg(args: list[str], label: str) -> None:
    try:
        process = await asyncio.create_subprocess_exec(
            "ffmpeg", "-v", "error", "-nostdin", "-y", "-threads", THREADS, *args,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    except FileNotFoundError:
        raise ConfigError("ffmpeg is not installed; assets cannot be converted without it") from None
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), CONVERT_TIMEOUT)
    except TimeoutError:
        raise InvalidInput(f"{label}: converting took over {CONVERT_TIMEOUT:.0f} s") from None
    finally:
        if process.returncode is None:  # timed out, or the client went away
            process.kill()
            await process.wait()
    if process.returncode != 0:
        lines = stderr.decode(errors="replace").strip().splitlines()
        raise InvalidInput(f"{label}: ffmpeg could not convert it ({lines[-1] if lines else 'no detail'})")


async def export(gateway: Gateway, asset: Any, target: Target) -> Converted:
    async with _scratch() as folder:
        source, container = await _fetch(gateway, asset, folder, target.kind)
        if container.name in target.same:
            return Converted(source, target.content_type, folder)
        out = folder / f"export.{target.extension}"
        await _ffmpeg([*media.input_args(source, container), *target.args, str(out)], f"asset {asset['id']}")
        return Converted(out, target.content_type, folder)


async def thumbnail(gateway: Gateway, asset: Any, size: int) -> Converted:
    """A WebP at most `size` pixels on its longer side: the image itself, or a video's frame one third in."""
    if asset["type"] not in (media.IMAGE, media.VIDEO):
        raise InvalidInput(f"asset {asset['id']} is {asset['type']}; thumbnails are made of images and videos")
    async with _scratch() as folder:
        source, container = await _fetch(gateway, asset, folder, asset["type"])
        options: list[str] = []
        if asset["type"] == media.VIDEO:
            info = await media.probe(source, container, f"asset {asset['id']}")
            options = ["-ss", f"{info.duration / 3:.3f}"]
        out = folder / "thumbnail.webp"
        scale = f"scale={size}:{size}:force_original_aspect_ratio=decrease"
        await _ffmpeg(
            [*media.input_args(source, container, *options), "-frames:v", "1", "-vf", scale, "-c:v", "libwebp",
             "-quality", "80", "-f", "webp", str(out)],
            f"asset {asset['id']}",
        )  # fmt: skip
        return Converted(out, "image/webp", folder)
