"""ffprobe every input before anything is rendered, so bad files fail early and by name."""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.composer.ffmpeg import SAFE_FORMATS
from studio.core.errors import InvalidInput

PROBE_TIMEOUT = 60.0


@dataclass(frozen=True)
class MediaInfo:
    """What the render needs to know about one input file."""

    duration: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0
    video_codec: str = ""
    pix_fmt: str = ""
    sample_rate: int = 0
    channels: int = 0
    audio_duration: float = 0.0
    audio_codec: str = ""


def _rate(text: str) -> float:
    num, _, den = (text or "0/0").partition("/")
    try:
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0
    return value if math.isfinite(value) and value > 0 else 0.0


def _float(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number > 0 else 0.0


def _is_picture(stream: dict[str, Any]) -> bool:
    """A real video stream (cover art in an audio file does not count)."""
    attached = (stream.get("disposition") or {}).get("attached_pic", 0)
    return stream.get("codec_type") == "video" and not attached and int(stream.get("width") or 0) > 0


def parse_probe(data: dict[str, Any]) -> MediaInfo:
    """Turn ffprobe's JSON (streams, format, frames decoded from the start) into a MediaInfo."""
    streams = data.get("streams") or []
    video = next((s for s in streams if _is_picture(s)), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio" and int(s.get("sample_rate") or 0) > 0), None)
    fmt = data.get("format") or {}
    format_duration = _float(fmt.get("duration"))
    video_duration = _float(video.get("duration")) if video else 0.0
    audio_duration = _float(audio.get("duration")) if audio else 0.0
    return MediaInfo(
        duration=video_duration or audio_duration or format_duration,
        has_video=video is not None,
        has_audio=audio is not None,
        width=int(video.get("width") or 0) if video else 0,
        height=int(video.get("height") or 0) if video else 0,
        fps=(_rate(video.get("avg_frame_rate", "")) or _rate(video.get("r_frame_rate", ""))) if video else 0.0,
        video_codec=str(video.get("codec_name", "")) if video else "",
        pix_fmt=str(video.get("pix_fmt", "")) if video else "",
        sample_rate=int(audio.get("sample_rate") or 0) if audio else 0,
        channels=int(audio.get("channels") or 0) if audio else 0,
        audio_duration=audio_duration or (format_duration if audio else 0.0),
        audio_codec=str(audio.get("codec_name", "")) if audio else "",
    )


def decoded_frames(data: dict[str, Any]) -> int:
    return len(data.get("frames") or [])


async def probe(ffprobe: str, path: Path, label: str) -> MediaInfo:
    """Probe `path` and decode its first frames; InvalidInput naming `label` if it is unreadable."""
    args = [
        ffprobe,
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        SAFE_FORMATS,
        "-threads",
        "1",
        "-read_intervals",
        "%+#8",
        "-show_entries",
        "stream=index,codec_type,codec_name,width,height,pix_fmt,avg_frame_rate,r_frame_rate,duration,"
        "sample_rate,channels:stream_disposition=attached_pic:format=duration:frame=stream_index",
        "-of",
        "json",
        str(path),
    ]
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT)
    except TimeoutError:
        raise InvalidInput(f"{label}: probing the file took over {PROBE_TIMEOUT:.0f} s; is it a media file?") from None
    finally:
        if process.returncode is None:  # timed out, or cancelled (another input failed first)
            process.kill()
            await process.wait()
    detail = stderr.decode(errors="replace").strip().splitlines()
    reason = detail[-1] if detail else "not a media file ffmpeg can read"
    # ffprobe prefixes its message with our scratch path, which means nothing to the caller.
    reason = reason.replace(f"{path}: ", "").replace(str(path), "the file")
    if process.returncode != 0:
        raise InvalidInput(f"{label}: unreadable media file ({reason})")
    try:
        data = json.loads(stdout or b"{}")
    except json.JSONDecodeError:
        raise InvalidInput(f"{label}: unreadable media file (ffprobe gave no description)") from None
    info = parse_probe(data)
    if not info.has_video and not info.has_audio:
        raise InvalidInput(f"{label}: the file has no audio or video stream")
    if decoded_frames(data) == 0:
        raise InvalidInput(f"{label}: corrupt media file (no frame could be decoded: {reason})")
    return info
