"""The one media policy: formats from magic bytes, the demuxer forced, file protocol only, probing
that kills ffprobe on timeout, and one list of accepted formats."""

from __future__ import annotations

import os
import shutil
import struct
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


def wav_bytes(*, tag: int = 1, channels: int = 1, rate: int = 16_000, bits: int = 16, seconds: float = 1.0) -> bytes:
    """A WAV whose header says exactly what it is told to (silence after it), hostile values included."""
    block = channels * bits // 8
    frames = max(1, int(min(rate, 16_000) * seconds))  # a huge rate still gets a small body
    fmt = struct.pack("<HHIIHH", tag, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)
    data = bytes(frames * block)
    body = b"WAVEfmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


#: Headers that ffprobe reads without complaint but no service can use, and the message part each gets.
HOSTILE_WAVS = {
    "255 channels": (wav_bytes(channels=255, seconds=0.6), "the audio has 255 channels; 1 to 8 are accepted"),
    "2^31-1 Hz": (wav_bytes(rate=2**31 - 1), "sample rate is 2147483647 Hz; 8000 to 192000 Hz are accepted"),
    "4 Hz": (wav_bytes(rate=4), "sample rate is 4 Hz; 8000 to 192000 Hz are accepted"),
    "format tag 0xFFFF": (
        wav_bytes(tag=0xFFFF),
        "the WAV audio is in a coding ffmpeg does not know; accepted: PCM (8, 16, 24 or 32-bit), float",
    ),
}


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


@needs_ffmpeg
@pytest.mark.parametrize("case", sorted(HOSTILE_WAVS))
async def test_audio_headers_no_service_handles_are_refused(tmp_path: Path, case: str) -> None:
    data, message = HOSTILE_WAVS[case]
    path = tmp_path / "in.wav"
    path.write_bytes(data)
    with pytest.raises(InvalidInput) as refused:
        await probe(path, require(path, AUDIO, "sample"), "sample")
    assert refused.value.message.startswith("sample: ") and message in refused.value.message
    assert str(tmp_path) not in refused.value.message


@needs_ffmpeg
@pytest.mark.parametrize(
    ("tag", "bits", "channels", "rate"), [(1, 16, 1, 16_000), (3, 32, 2, 48_000), (1, 24, 8, 8_000)]
)
async def test_ordinary_wavs_still_probe(tmp_path: Path, tag: int, bits: int, channels: int, rate: int) -> None:
    path = tmp_path / "in.wav"
    path.write_bytes(wav_bytes(tag=tag, bits=bits, channels=channels, rate=rate))
    info = await probe(path, WAV, "sample")
    assert (info.channels, info.sample_rate) == (channels, rate)
