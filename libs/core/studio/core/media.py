"""The studio's one media policy: which formats are accepted, how a file's format is told, how
ffmpeg may read it, and how it is probed. The gateway, audio, video and composer all use it.

- A file's format comes from its own magic bytes, never its name or declared type.
- ffmpeg reads it with exactly that demuxer (`-f`) and the `file` protocol only, so an upload can
  never select a playlist or concat demuxer that would make ffmpeg open other files or URLs (an
  HLS playlist behind an ID3 tag is not MP3: it is refused).
- Probing runs ffprobe asynchronously, decodes the first frames, and kills ffprobe on timeout
  or cancellation.
- A format is accepted everywhere or refused everywhere, with the same message (`unsupported`).
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core.errors import ConfigError, InvalidInput

AUDIO = "audio"
IMAGE = "image"
VIDEO = "video"
#: Any of the above.
MEDIA = "media"
PROBE_TIMEOUT = 60.0
#: Frames decoded while probing: enough to know the file really decodes.
PROBE_FRAMES = 8
#: Audio every service can handle: channels (mono to 7.1) and sample rates (telephone to studio masters).
MAX_CHANNELS = 8
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 192_000
#: What a WAV may carry: integer PCM, float, A-law and mu-law (what recorders and editors write).
WAV_CODECS = frozenset(
    {"pcm_u8", "pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_f64le", "pcm_alaw", "pcm_mulaw"}
)


@dataclass(frozen=True)
class Container:
    """A file format the studio reads: what users call it, ffmpeg's demuxer, and what it may hold."""

    name: str
    label: str
    demuxer: str
    #: Content type per kind of media the container may hold.
    content_types: dict[str, str] = field(default_factory=dict)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.content_types)

    def content_type(self, kind: str) -> str:
        return self.content_types[kind]


WAV = Container("wav", "WAV", "wav", {AUDIO: "audio/wav"})
MP3 = Container("mp3", "MP3", "mp3", {AUDIO: "audio/mpeg"})
AAC = Container("aac", "AAC (ADTS)", "aac", {AUDIO: "audio/aac"})
OGG = Container("ogg", "OGG/Opus", "ogg", {AUDIO: "audio/ogg", VIDEO: "video/ogg"})
FLAC = Container("flac", "FLAC", "flac", {AUDIO: "audio/flac"})
MP4 = Container("m4a", "M4A/MP4/MOV", "mov", {AUDIO: "audio/mp4", VIDEO: "video/mp4"})
MATROSKA = Container("webm", "WebM/Matroska", "matroska", {AUDIO: "audio/webm", VIDEO: "video/webm"})
PNG = Container("png", "PNG", "png_pipe", {IMAGE: "image/png"})
JPEG = Container("jpeg", "JPEG", "jpeg_pipe", {IMAGE: "image/jpeg"})
WEBP = Container("webp", "WebP", "webp_pipe", {IMAGE: "image/webp"})
CONTAINERS = (WAV, MP3, AAC, OGG, FLAC, MP4, MATROSKA, PNG, JPEG, WEBP)


def accepted(kind: str = MEDIA) -> str:
    """The formats accepted for a kind of media (or for any), as a user would name them."""
    labels = [c.label for c in CONTAINERS if kind == MEDIA or kind in c.kinds]
    return f"{', '.join(labels[:-1])} or {labels[-1]} {kind}" if len(labels) > 1 else f"{labels[0]} {kind}"


#: Kept for callers that name audio containers in their own messages.
AUDIO_CONTAINERS = accepted(AUDIO)


def unsupported(kind: str, where: str = "") -> str:
    """The one message for a file of a format the studio does not read (or not of the kind needed)."""
    subject = f"{where} is an" if where else "an"
    return f"{subject} unreadable media file: not {kind} in a format the studio reads; accepted: {accepted(kind)}"


def _id3_size(head: bytes) -> int:
    """Bytes taken by an ID3v2 tag at the start (0 when there is none)."""
    if head[:3] != b"ID3" or len(head) < 10:
        return 0
    size = 0
    for byte in head[6:10]:  # syncsafe: 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + size + footer


def _mpeg_audio(frame: bytes) -> Container | None:
    """MP3 or ADTS AAC from an audio frame header (both start with the 12-bit frame sync)."""
    if len(frame) < 2 or frame[0] != 0xFF:
        return None
    if frame[1] & 0xF6 == 0xF0:  # MPEG-4/2 ADTS: sync 0xFFF, layer 00
        return AAC
    if frame[1] & 0xE0 == 0xE0 and frame[1] & 0x06:  # MPEG audio: sync 0x7FF, layer I-III
        return MP3
    return None


def detect(head: bytes, after_id3: bytes = b"") -> Container | None:
    """The container of a file starting with `head`; for a file with an ID3 tag, `after_id3` is what
    follows the tag (an ID3 tag in front of anything but MPEG audio frames is refused)."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"OggS":
        return OGG
    if head[:4] == b"fLaC":
        return FLAC
    if head[4:8] == b"ftyp":
        return MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return MATROSKA
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return PNG
    if head[:3] == b"\xff\xd8\xff":
        return JPEG
    if head[:3] == b"ID3":
        return _mpeg_audio(after_id3)
    return _mpeg_audio(head)


def detect_file(path: Path) -> Container | None:
    """The container of the file at `path`, from its bytes (blocking: a few small reads)."""
    with path.open("rb") as handle:
        head = handle.read(64)
        tag = _id3_size(head)
        after = b""
        if tag:
            handle.seek(tag)
            after = handle.read(4)
    return detect(head, after)


def require(path: Path, kind: str, where: str) -> Container:
    """The file's container if it may hold `kind` of media (MEDIA: any); InvalidInput (the one message) otherwise."""
    container = detect_file(path)
    if container is None or (kind != MEDIA and kind not in container.kinds):
        raise InvalidInput(unsupported(kind, where))
    return container


def demuxers(kind: str) -> str:
    """The demuxers that read `kind` of media, as ffmpeg's -format_whitelist takes them (for a concat
    list of the studio's own files, where each entry's demuxer cannot be forced)."""
    return ",".join(sorted({c.demuxer for c in CONTAINERS if kind in c.kinds}))


def input_args(path: Path | str, container: Container, *options: str) -> list[str]:
    """ffmpeg/ffprobe arguments that read `path` with exactly its demuxer and the file protocol only."""
    return ["-protocol_whitelist", "file", "-f", container.demuxer, *options, "-i", str(path)]


@dataclass(frozen=True)
class MediaInfo:
    """What ffprobe says about one file."""

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
    """A real picture stream (cover art in an audio file does not count)."""
    attached = (stream.get("disposition") or {}).get("attached_pic", 0)
    return stream.get("codec_type") == "video" and not attached and int(stream.get("width") or 0) > 0


def parse_probe(data: dict[str, Any]) -> MediaInfo:
    """Turn ffprobe's JSON (streams, format) into a MediaInfo."""
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


def check_audio(info: MediaInfo, container: Container, label: str) -> None:
    """Refuse audio whose header promises what no service handles (255 channels, a 2^31 Hz rate, an unknown
    WAV coding): such files pass a header check but fail every job later, so they are refused up front."""
    if not 1 <= info.channels <= MAX_CHANNELS:
        raise InvalidInput(f"{label}: the audio has {info.channels} channels; 1 to {MAX_CHANNELS} are accepted")
    if not MIN_SAMPLE_RATE <= info.sample_rate <= MAX_SAMPLE_RATE:
        raise InvalidInput(
            f"{label}: the audio's sample rate is {info.sample_rate} Hz; "
            f"{MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz are accepted"
        )
    if container is WAV and info.audio_codec not in WAV_CODECS:
        coding = f"coded as {info.audio_codec}" if info.audio_codec else "in a coding ffmpeg does not know"
        raise InvalidInput(
            f"{label}: the WAV audio is {coding}; accepted: PCM (8, 16, 24 or 32-bit), float, A-law or mu-law"
        )


async def probe(
    path: Path, container: Container, label: str, *, ffprobe: str = "ffprobe", timeout: float = PROBE_TIMEOUT
) -> MediaInfo:
    """Probe `path` with its demuxer forced and decode its first frames; InvalidInput naming `label`
    when it does not read. ffprobe is killed when `timeout` runs out or the caller is cancelled."""
    args = [
        ffprobe,
        "-v",
        "error",
        "-threads",
        "1",
        "-read_intervals",
        f"%+#{PROBE_FRAMES}",
        "-show_entries",
        "stream=index,codec_type,codec_name,width,height,pix_fmt,avg_frame_rate,r_frame_rate,duration,"
        "sample_rate,channels:stream_disposition=attached_pic:format=duration:frame=stream_index",
        "-of",
        "json",
        *input_args(path, container),
    ]
    try:
        process = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise ConfigError(
            f"{ffprobe} is not installed (it comes with ffmpeg); media cannot be checked without it"
        ) from None
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        raise InvalidInput(f"{label}: probing the file took over {timeout:.0f} s; is it a media file?") from None
    finally:
        if process.returncode is None:  # timed out, or cancelled (another input failed first)
            process.kill()
            await process.wait()
    detail = stderr.decode(errors="replace").strip().splitlines()
    reason = detail[-1] if detail else f"not {container.label} that ffmpeg can read"
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
    if info.has_audio:
        check_audio(info, container, label)
    if not data.get("frames"):
        raise InvalidInput(f"{label}: corrupt media file (no frame could be decoded: {reason})")
    return info
