"""Reading user media with ffmpeg safely: the demuxer comes from the file's own magic bytes.

Passing it with `-f` (and allowing only the file protocol) means an upload can never
select a playlist or concat demuxer that would make ffmpeg open other files or URLs.
"""

from __future__ import annotations

from pathlib import Path

#: Accepted audio containers, as a user would name them.
AUDIO_CONTAINERS = "WAV, MP3, OGG/Opus, FLAC, M4A/AAC or WebM/Matroska"


def read_head(path: Path, size: int = 16) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def sniff_audio_demuxer(head: bytes) -> str | None:
    """The ffmpeg demuxer for a file starting with `head`, or None if it is not an accepted audio container."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"fLaC":
        return "flac"
    if head[4:8] == b"ftyp":
        return "mov"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        # MPEG audio frame sync; ADTS AAC shares it (0xFFF1/0xFFF9).
        return "aac" if head[1] & 0xF6 == 0xF0 else "mp3"
    return None


def ffmpeg_input_args(path: Path, demuxer: str) -> list[str]:
    """ffmpeg/ffprobe arguments that read `path` with exactly that demuxer and the file protocol only."""
    return ["-protocol_whitelist", "file", "-f", demuxer, "-i", str(path)]
