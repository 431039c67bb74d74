"""The real-n8n tier: headless n8n 2.40.7 from npm loads the built package through
N8N_CUSTOM_EXTENSIONS and runs workflows against the studio (the real gateway, the real
espeak speech server, instant fakes for images, video and films):

- `n8n import:workflow` + `n8n execute --id`: a speech workflow, then the README's first example;
- `n8n publish:workflow` + `n8n start`: the README's trigger example receives the gateway's
  signed job.completed, downloads the video and posts it to a sink.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from studio.core.registry import service_spec
from tests.conftest import NATS_URL
from tests.gateway.conftest import new_key
from tests.gateway.fakes import FAKE_SERVICES, png_bytes
from tests.gateway.stack import ServiceFactory, Stack
from tests.gateway.test_real_services import spoken_sample
from tests.n8n.conftest import NODE_TEST_OVERRIDES
from tests.n8n.examples import readme_example
from tests.n8n.headless import N8n, run_items
from tests.n8n.sink import Sink

pytestmark = [pytest.mark.n8n, pytest.mark.slow]

CREDENTIAL = {"id": "mediaStudioAccount", "name": "Media Studio account"}


@pytest.fixture(scope="module")
def studio(database_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    services: dict[str, ServiceFactory] = {**FAKE_SERVICES, "audio": service_spec("audio").load_factory()}
    running = Stack(
        database_url=database_factory(),
        nats_url=NATS_URL,
        artifacts_dir=tmp_path_factory.mktemp("real-n8n-artifacts"),
        services=services,
        gateway_overrides={**NODE_TEST_OVERRIDES, "ready_requires_services": False},
        worker_concurrency=2,
    ).start(timeout=120)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def key(studio: Stack) -> str:
    return asyncio.run(new_key(studio, "n8n"))


@pytest.fixture(scope="module")
def api(studio: Stack, key: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=studio.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sink]:
    running = Sink({"/my-voice.wav": ("audio/wav", spoken_sample(tmp_path_factory.mktemp("sample")))})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def n8n(package_dist: Path, tmp_path_factory: pytest.TempPathFactory, studio: Stack, key: str) -> N8n:
    instance = N8n(tmp_path_factory.mktemp("n8n-home"), package_dist)
    data = {"baseUrl": studio.base_url, "apiKey": key}
    instance.import_credentials([{**CREDENTIAL, "type": "mediaStudioApi", "data": data}])
    return instance


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_speech_workflow_runs_in_n8n(n8n: N8n, sink: Sink, api: httpx.Client) -> None:
    workflow = {
        "id": "speechWorkflow01",
        "name": "Speech through Media Studio",
        "settings": {"executionOrder": "v1"},
        "nodes": [
            {
                "name": "Start",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "position": [0, 0],
                "parameters": {},
            },
            {
                "name": "Speak",
                "type": "CUSTOM.mediaStudio",
                "typeVersion": 1,
                "position": [200, 0],
                "credentials": {"mediaStudioApi": CREDENTIAL},
                "parameters": {
                    "resource": "speech",
                    "operation": "generate",
                    "text": "Olá! Eu falo pelo n8n.",
                    "voice": {"__rl": True, "mode": "list", "value": ""},
                    "additionalFields": {"language": "pt-br"},
                    "options": {"pollInterval": 0.5},
                },
            },
            {
                "name": "Post",
                "type": "n8n-nodes-base.httpRequest",
                "typeVersion": 4.2,
                "position": [400, 0],
                "parameters": {
                    "method": "POST",
                    "url": f"{sink.url}/speech",
                    "sendBody": True,
                    "contentType": "binaryData",
                    "inputDataFieldName": "data",
                    "options": {},
                },
            },
        ],
        "connections": {
            "Start": {"main": [[{"node": "Speak", "type": "main", "index": 0}]]},
            "Speak": {"main": [[{"node": "Post", "type": "main", "index": 0}]]},
        },
    }
    n8n.import_workflow(workflow)
    run = n8n.execute("speechWorkflow01")
    (item,) = run_items(run, "Speak")
    job = item["json"]
    assert job["status"] == "completed" and job["type"] == "audio.synthesize"
    assert job["result"]["backend"] == "espeak" and job["result"]["words"], "the real lite speech server spoke"
    binary = item["binary"]["data"]
    assert binary["mimeType"] == "audio/wav" and binary["fileExtension"] == "wav"
    _, posted = sink.wait_for_post("/speech")
    assert posted[:4] == b"RIFF" and sha256(posted) == job["assets"][0]["sha256"]
    assert sha256(n8n.binary_file(binary)) == job["assets"][0]["sha256"]


def test_readme_brief_example_gives_the_video_as_binary_data(n8n: N8n, sink: Sink) -> None:
    workflow = readme_example("brief-avatar", {"https://example.com/my-voice.wav": f"{sink.url}/my-voice.wav"})
    workflow["id"] = "briefExample0001"
    n8n.import_workflow(workflow)
    run = n8n.execute("briefExample0001")
    (voice,) = run_items(run, "Clone voice")
    assert voice["json"]["status"] == "ready"
    (speech,) = run_items(run, "Speak with the cloned voice")
    assert speech["json"]["parameters"]["voice"], "the cloned voice spoke"
    (video,) = run_items(run, "Create avatar video")
    job = video["json"]
    assert job["type"] == "video.create_avatar_video" and job["status"] == "completed"
    binary = video["binary"]["data"]
    assert binary["mimeType"] == "video/mp4"
    data = n8n.binary_file(binary)
    assert data[4:8] == b"ftyp" and sha256(data) == job["assets"][0]["sha256"]


def wait_for_registration(api: httpx.Client, n8n: N8n, timeout: float = 90) -> dict[str, Any]:
    """The webhook n8n's trigger registered in the studio when the published workflow activated."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hooks = [hook for hook in api.get("/api/v1/webhooks").json() if hook["url"].startswith(n8n.url)]
        if hooks:
            return dict(hooks[0])
        time.sleep(0.5)
    raise AssertionError(f"n8n registered no webhook within {timeout} s:\n{n8n.log()}")


def test_published_trigger_receives_the_signed_event_and_posts_the_video(
    n8n: N8n, sink: Sink, api: httpx.Client
) -> None:
    workflow = readme_example("trigger-post-video", {"https://example.com/upload": f"{sink.url}/upload"})
    workflow["id"] = "triggerExample01"
    n8n.import_workflow(workflow)
    n8n.publish("triggerExample01")
    with n8n.running():
        hook = wait_for_registration(api, n8n)
        assert hook["events"] == ["job.completed"] and hook["job_types"] == ["video.create_avatar_video"]

        # n8n registers the webhook in the studio a moment before its own router serves it.
        deadline = time.monotonic() + 60
        while True:
            unsigned = httpx.post(hook["url"], json={"event": "job.completed", "job": {"id": "forged"}}, timeout=30)
            if unsigned.status_code != 404 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert unsigned.status_code == 401, unsigned.text
        assert "delivery refused: no x-studio-signature header" in unsigned.text

        portrait = api.post("/api/v1/assets", files={"file": ("p.png", png_bytes(64), "image/png")}).json()
        speech = api.post(
            "/api/v1/audio/generate-speech", json={"text": "Um vídeo novo."}, headers={"Prefer": "wait=60"}
        ).json()
        avatar = api.post(
            "/api/v1/video/create-avatar",
            json={"portrait_asset_id": portrait["id"], "audio_asset_id": speech["assets"][0]["id"]},
            headers={"Prefer": "wait=60"},
        ).json()
        assert avatar["status"] == "completed", avatar
        headers, posted = sink.wait_for_post("/upload", timeout=90)
        assert headers["content-type"] == "video/mp4"
        assert posted[4:8] == b"ftyp" and sha256(posted) == avatar["assets"][0]["sha256"], n8n.log()
        assert [body for path, _, body in sink.posts if path == "/upload"] == [posted], "one delivery, one run"


def test_readme_briefing_example_gives_the_film(n8n: N8n, api: httpx.Client) -> None:
    workflow = readme_example("briefing-film", {})
    workflow["id"] = "briefingExample1"
    n8n.import_workflow(workflow)
    (film,) = run_items(n8n.execute("briefingExample1"), "Produce the film")
    assert film["json"]["status"] == "completed"
    data = n8n.binary_file(film["binary"]["data"])
    assert data[4:8] == b"ftyp" and sha256(data) == film["json"]["result"]["video"]["sha256"]
