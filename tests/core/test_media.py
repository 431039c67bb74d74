"""The one media policy: formats from magic bytes, the demuxer forced, file protocol only, probing
that kills ffprobe on timeout, and one list of accepted formats."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from studio.core.errors import InvalidInput
from studio.core.media import (
    AAC,
    AUDIO,
    FLAC,
    IMAGE,
    JPEG,
    MATROSKA,
    MP3,
    MP4,
    OGG,
    PNG,
    WAV,
    WEBP,
    accepted,
    detect,
    detect_file,
    input_args,
    probe,
    require,
    unsupported,
)

FFMPEG = shutil.which("ffmpeg")
needs_ffmpeg = pytest.mark.skipif(FFMPEG is None, reason="ffmpeg is not installed")


def _id3(payload: bytes) -> bytes:
    """An ID3v2.4 tag (10-byte header, syncsafe size) in front of `payload`."""
    body = b"TIT2\x00\x00\x00\x02\x00\x00\x00x"
    size = len(body)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x04\x00\x00" + syncsafe + body + payload


HLS_PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"


@pytest.mark.parametrize(
    ("head", "container"),
    [
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", WAV),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", WEBP),
        (b"OggS\x00\x02", OGG),
        (b"fLaC\x00\x00", FLAC),
        (b"\x00\x00\x00\x20ftypM4A ", MP4),
        (b"\x1a\x45\xdf\xa3\x01", MATROSKA),
        (b"\x89PNG\r\n\x1a\n\x00", PNG),
        (b"\xff\xd8\xff\xe0", JPEG),
        (b"\xff\xfb\x90\x00", MP3),
        (b"\xff\xf1\x50\x80", AAC),  # ADTS: MPEG-4, no CRC
        (b"\xff\xf9\x50\x80", AAC),  # ADTS: MPEG-2, no CRC
    ],
)
def test_formats_come_from_magic_bytes(head: bytes, container: object) -> None:
    assert detect(head) is container


def test_an_id3_tag_is_looked_behind() -> None:
    mp3 = _id3(b"\xff\xfb\x90\x00")
    assert detect(mp3[:64], mp3[len(mp3) - 4 :]) is MP3


def test_an_hls_playlist_behind_an_id3_tag_is_not_audio(tmp_path: Path) -> None:
    """ffmpeg skips ID3 when it guesses a format and would then open the playlist's entries."""
    path = tmp_path / "song.mp3"
    path.write_bytes(_id3(HLS_PLAYLIST))
    assert detect_file(path) is None
    with pytest.raises(InvalidInput, match="not audio in a format the studio reads; accepted: WAV"):
        require(path, AUDIO, "sample")
    path.write_bytes(HLS_PLAYLIST)
    assert detect_file(path) is None


def test_one_list_of_accepted_formats_with_adts_aac() -> None:
    assert accepted(AUDIO) == "WAV, MP3, AAC (ADTS), OGG/Opus, FLAC, M4A/MP4/MOV or WebM/Matroska audio"
    assert accepted(IMAGE) == "PNG, JPEG or WebP image"
    assert unsupported(AUDIO, "sample").startswith("sample is an unreadable media file: not audio")


def test_ffmpeg_reads_user_files_with_their_demuxer_and_local_files_only(tmp_path: Path) -> None:
    assert input_args(tmp_path / "a", AAC, "-t", "1") == [
        "-protocol_whitelist",
        "file",
        "-f",
        "aac",
        "-t",
        "1",
        "-i",
        str(tmp_path / "a"),
    ]


@needs_ffmpeg
async def test_adts_aac_probes_as_audio(tmp_path: Path) -> None:
    path = tmp_path / "tone.aac"
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", "-f", "adts", str(path)]
    subprocess.run([FFMPEG or "ffmpeg", "-v", "error", *tone], check=True)
    container = require(path, AUDIO, "sample")
    assert container is AAC
    info = await probe(path, container, "sample")
    assert info.has_audio and not info.has_video and abs(info.audio_duration - 1.0) < 0.1


@needs_ffmpeg
async def test_a_file_that_does_not_decode_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "broken.wav"
    path.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 8)
    with pytest.raises(InvalidInput, match=r"^narration: (unreadable|corrupt) media file"):
        await probe(path, WAV, "narration")


async def test_probing_too_long_kills_ffprobe(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    slow = tmp_path / "slow-ffprobe"
    slow.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 30\n")
    slow.chmod(0o755)
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVE")
    started = time.monotonic()
    with pytest.raises(InvalidInput, match="took over"):
        await probe(path, WAV, "sample", ffprobe=str(slow), timeout=0.5)
    assert time.monotonic() - started < 10
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
