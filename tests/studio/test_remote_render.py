"""A screenplay rendered through a real gateway (Postgres, NATS, the four real services over gRPC/jobs)
gives the same film as the embedded render: same duration within one frame, same subtitles."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from studio.core.registry import service_spec
from studio.gateway.auth.keys import create_key
from studio.pipeline.events import ProductionEvent
from studio.pipeline.render import render_embedded
from studio.pipeline.screenplay import load_screenplay
from studio.sdk.render import render_remote
from tests.conftest import NATS_URL
from tests.gateway.stack import Stack
from tests.studio.subtitles import cues

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PG = "postgresql://postgres@127.0.0.1:5432"
SCREENPLAY = """
title: Remote and embedded
language: en
characters:
  - name: Ada
    portrait: {image: presenter/host.jpg}
    voice: {preset: en-us+f3}
scenes:
  - duration: 4
    prompt: a lighthouse on a cliff at dawn
    narration: The same film, wherever it is made.
  - duration: 2
    speaker: Ada
    narration: Hello from the gateway!
music: {mood: calm warm piano}
output: {width: 640, height: 360, fps: 25}
"""


async def _sql(statement: str) -> None:
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    database = f"studio_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_sql(f'CREATE DATABASE "{database}"'))
    stack = Stack(
        database_url=f"{PG}/{database}",
        nats_url=NATS_URL,
        artifacts_dir=tmp_path_factory.mktemp("gateway-artifacts"),
        services={name: service_spec(name).load_factory() for name in ("audio", "image", "video", "composer")},
    ).start(timeout=300)

    async def new_key() -> str:
        conn = await asyncpg.connect(f"{PG}/{database}")
        try:
            return (await create_key(conn, "studio-tests")).key
        finally:
            await conn.close()

    try:
        yield stack, asyncio.run(new_key())
    finally:
        stack.stop()
        asyncio.run(_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def duration(path: Path) -> float:
    command = ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)]
    return float(json.loads(subprocess.run(command, capture_output=True, check=True).stdout)["format"]["duration"])


async def test_remote_render_matches_embedded(gateway: tuple[Stack, str], tmp_path: Path) -> None:
    stack, key = gateway
    shutil.copytree(EXAMPLES / "presenter", tmp_path / "presenter")
    (tmp_path / "film.yaml").write_text(SCREENPLAY)
    screenplay = load_screenplay(tmp_path / "film.yaml")

    local = await render_embedded(screenplay, tmp_path / "local" / "film.mp4")
    events: list[ProductionEvent] = []
    remote = await render_remote(
        stack.base_url, key, screenplay, tmp_path / "remote" / "film.mp4", on_event=events.append, poll_interval=0.2
    )
    frame = 1 / 25 + 1e-6
    assert abs(duration(remote.files.video) - duration(local.files.video)) <= frame
    assert remote.duration_seconds == pytest.approx(local.result.duration_seconds, abs=frame)
    local_cues, remote_cues = cues(local.files.srt), cues(remote.files.srt)
    assert [text for *_, text in remote_cues] == [text for *_, text in local_cues]
    assert any("gateway" in text for *_, text in local_cues)
    for (a1, b1, _), (a2, b2, _) in zip(local_cues, remote_cues, strict=True):
        assert abs(a1 - a2) <= frame and abs(b1 - b2) <= frame
    assert remote.files.vtt.exists() and remote.files.poster.exists()
    finished = {e.step.name for e in events if e.kind == "finished" and e.step is not None}
    assert {"talk:2", "narration:1", "animate:1", "music", "compose"} <= finished
