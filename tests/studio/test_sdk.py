"""The SDK against a scripted gateway: request shapes, waiting, typed results, errors, remote render."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from studio.core.errors import FailedPrecondition, InvalidInput, NotFound
from studio.pipeline.events import ProductionEvent
from studio.pipeline.media import ResolvedScreenplay, media_uses
from studio.pipeline.production import plan_steps
from studio.pipeline.screenplay import load_screenplay
from studio.sdk import AsyncStudioClient, AuthError, StudioClient
from studio.sdk.render import render_remote, set_field
from studio.v1.common_pb2 import ArtifactRef
from tests.studio.fake_gateway import KEY, FakeGateway

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
URL = "http://gateway.test"


def test_sync_client_speaks_and_downloads(tmp_path: Path) -> None:
    gateway = FakeGateway()
    with StudioClient(URL, KEY, poll_interval=0.01, transport=gateway.transport()) as studio:
        speech = studio.generate_speech("Olá!", preset="pt-br+f3", language="pt-br")
        assert speech.id == "speech-0-audio" and speech.duration_seconds == 1.5 and speech.job.status == "completed"
        path = studio.download(speech, tmp_path / "out" / "speech.wav")
        assert path.read_bytes() == b"bytes of speech-0-audio"
        assert not list((tmp_path / "out").glob(".*.part"))
        jobs = studio.list_jobs(status="completed", limit=5)
        assert jobs[0].type == "audio.synthesize"
    submit = next(r for r in gateway.requests if r.url.path.endswith("generate-speech"))
    assert submit.headers["prefer"] == "wait=30"
    assert b'"preset":"pt-br+f3"' in submit.content and b"voice_id" not in submit.content  # None fields are left out
    listing = next(r for r in gateway.requests if r.url.path == "/api/v1/jobs")
    assert listing.url.params["status"] == "completed" and "type" not in listing.url.params


async def test_async_client_clones_a_voice_and_maps_errors(tmp_path: Path) -> None:
    gateway = FakeGateway()
    sample = tmp_path / "voz.wav"
    sample.write_bytes(b"RIFF....WAVE")
    async with AsyncStudioClient(URL, KEY, poll_interval=0.01, transport=gateway.transport()) as studio:
        voice = await studio.clone_voice(sample, name="Minha Voz", language="pt-br")
        assert (voice.id, voice.status) == ("v1", "ready")
        with pytest.raises(FailedPrecondition, match="espeak has no voice 'xx'"):
            await studio.generate_speech("fail")
        with pytest.raises(NotFound, match="no route"):
            await studio.get_asset("nope")
        with pytest.raises(InvalidInput, match="no such file"):
            await studio.clone_voice(tmp_path / "missing.wav", name="x")
        with pytest.raises(InvalidInput, match="give `script`"):
            await studio.create_avatar("img", script="hi", audio_id="a")
    clone = next(r for r in gateway.requests if r.url.path.endswith("clone-voice"))
    assert b'name="sample"; filename="voz.wav"' in clone.content and b"Minha Voz" in clone.content
    async with AsyncStudioClient(URL, "wrong-key", transport=gateway.transport()) as studio:
        with pytest.raises(AuthError, match="refused the API key"):
            await studio.list_jobs()
    with pytest.raises(InvalidInput, match="not an http"):
        AsyncStudioClient("gateway:8080")


def test_set_field_follows_paths() -> None:
    data = {"characters": [{"name": "a"}, {"name": "b", "portrait": {"image": "x.png"}}]}
    set_field(data, "characters[1].portrait.image", "asset:1")
    assert data["characters"][1] == {"name": "b", "portrait": {"image": "asset:1"}}


async def test_remote_render_uploads_files_follows_steps_and_downloads(tmp_path: Path) -> None:
    for name in ("presenter.yaml", "presenter"):
        source = EXAMPLES / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    screenplay = load_screenplay(tmp_path / "presenter.yaml")
    gateway = FakeGateway()
    # The gateway plans from the uploaded screenplay; the fake just reuses the local plan's ids and labels.
    fake_refs = {u.reference: ArtifactRef(key=f"k/{i}", sha256="00") for i, u in enumerate(media_uses(screenplay))}
    gateway.steps = [
        {"id": s.id, "name": s.name, "label": s.label, "service": s.service, "depends_on": list(s.depends_on)}
        for s in plan_steps(ResolvedScreenplay(screenplay, fake_refs))
    ]
    events: list[ProductionEvent] = []
    film = await render_remote(
        URL, KEY, screenplay, tmp_path / "out" / "film.mp4", on_event=events.append, poll_interval=0.01,
        transport=gateway.transport(),
    )  # fmt: skip
    assert film.project_id == "p1" and film.duration_seconds == 9.5
    assert film.files.video.read_bytes() == b"bytes of film-video"
    assert film.files.srt.exists() and film.files.vtt.exists() and film.files.poster.name == "film.png"
    assert len(gateway.uploads) == 1  # one portrait file, used by one character, uploaded once
    sent = gateway.screenplays[0]
    asset_id = next(iter(gateway.uploads))
    assert sent["project_id"] == "p1"
    assert sent["screenplay"]["characters"][0]["portrait"]["image"] == f"asset:{asset_id}"
    kinds = [e.kind for e in events]
    assert kinds[0] == "planned" and len(events[0].steps) == len(gateway.steps)
    assert "progress" in kinds and kinds.count("finished") == len(gateway.steps)
