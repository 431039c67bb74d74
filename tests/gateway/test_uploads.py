"""Uploads follow the studio's one media policy: ADTS AAC is audio here as in every service, and an
HLS playlist behind an ID3 tag (which plain ffprobe would follow) is refused and stores nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import asyncpg
import httpx
import pytest

from studio.core.media import AUDIO, MEDIA, unsupported
from tests.core.test_media import HLS_PLAYLIST, _id3
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem, counts, stored_uploads

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def _adts(tmp_path: Path, seconds: float) -> bytes:
    path = tmp_path / "tone.aac"
    tone = ["-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}", "-c:a", "aac", "-f", "adts", str(path)]
    subprocess.run(["ffmpeg", "-v", "error", *tone], check=True)
    return path.read_bytes()


async def test_adts_aac_is_accepted_audio(client: httpx.AsyncClient, tmp_path: Path) -> None:
    response = await client.post("/api/v1/assets", files={"file": ("tone.aac", _adts(tmp_path, 1.0), "audio/aac")})
    assert response.status_code == 201, response.text
    asset = response.json()
    assert (asset["type"], asset["content_type"], asset["metadata"]["format"]) == ("audio", "audio/aac", "aac")


async def test_an_hls_playlist_behind_an_id3_tag_is_refused(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    before, files = await counts(db), stored_uploads(stack)
    for path, field, data, kind in (
        ("/api/v1/assets", "file", {}, MEDIA),
        ("/api/v1/audio/clone-voice", "sample", {"name": "x"}, AUDIO),
    ):
        response = await client.post(path, files={field: ("song.mp3", _id3(HLS_PLAYLIST), "audio/mpeg")}, data=data)
        body = assert_problem(response, 415)
        assert body["detail"] == unsupported(kind, "the upload") + " (sent as audio/mpeg)"
        assert "AAC (ADTS)" in body["detail"]
    assert await counts(db) == before and stored_uploads(stack) == files
