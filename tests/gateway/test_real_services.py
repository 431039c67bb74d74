"""The acceptance walk-through against the real model servers with their lite backends
(espeak speech and voice profiles, procedural draft images, puppet talking heads), each a
real gRPC server and JetStream worker behind the gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from studio.core.registry import service_spec
from tests.conftest import NATS_URL
from tests.gateway.conftest import TEST_OVERRIDES, new_key
from tests.gateway.media import assert_image, assert_video_with_audio, assert_wav, probe, spoken_sample
from tests.gateway.stack import Stack

pytestmark = pytest.mark.slow
WAIT = {"Prefer": "wait=60"}


@pytest.fixture(scope="module")
def real_stack(database_factory: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    services = {name: service_spec(name).load_factory() for name in ("audio", "image", "video")}
    running = Stack(
        database_url=database_factory(),  # type: ignore[operator]
        nats_url=NATS_URL,
        artifacts_dir=tmp_path_factory.mktemp("real-artifacts"),
        services=services,
        gateway_overrides={**TEST_OVERRIDES, "ready_requires_services": False},
        worker_concurrency=2,
    ).start(timeout=120)
    yield running
    running.stop()


@pytest.fixture
async def real_client(real_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    key = await new_key(real_stack, "real")
    async with httpx.AsyncClient(base_url=real_stack.base_url, headers={"X-API-Key": key}, timeout=90) as http:
        yield http


async def fetch(client: httpx.AsyncClient, asset: dict) -> bytes:
    response = await client.get(asset["links"]["download"])
    assert response.status_code == 200 and len(response.content) == asset["size"]
    return response.content


async def test_clone_speak_draw_and_animate_with_lite_backends(real_client: httpx.AsyncClient, tmp_path: Path) -> None:
    cloned = await real_client.post(
        "/api/v1/audio/clone-voice",
        files={"sample": ("minha_voz.wav", spoken_sample(tmp_path), "audio/wav")},
        data={"name": "Minha Voz", "language": "pt-br"},
        headers=WAIT,
    )
    assert cloned.status_code == 200, cloned.text
    voice = cloned.json()["voice"]
    assert voice["status"] == "ready" and voice["details"]["duration_seconds"] > 2

    speech = await real_client.post(
        "/api/v1/audio/generate-speech",
        json={"text": "Olá, sou seu assistente de inteligência artificial!", "voice_id": voice["id"]},
        headers=WAIT,
    )
    assert speech.status_code == 200, speech.text
    speech_job = speech.json()
    assert speech_job["result"]["words"], "espeak reports word timings"
    (audio,) = speech_job["assets"]
    assert assert_wav(await fetch(real_client, audio)) > 1.0

    image = await real_client.post(
        "/api/v1/image/generate",
        json={"prompt": "professional headshot portrait of a smiling woman", "width": 512, "height": 512, "seed": 3},
        headers=WAIT,
    )
    assert image.status_code == 200, image.text
    assert image.json()["result"]["draft"] is True  # labelled as what it is
    (portrait,) = image.json()["assets"]
    assert assert_image(await fetch(real_client, portrait)) == (512, 512)

    avatar = await real_client.post(
        "/api/v1/video/create-avatar",
        json={
            "portrait_asset_id": portrait["id"],
            "audio_asset_id": audio["id"],
            "width": 256,
            "height": 256,
            "face": {"x": 128, "y": 96, "width": 256, "height": 288},
        },
        headers=WAIT,
    )
    assert avatar.status_code == 200, avatar.text
    (video,) = avatar.json()["assets"]
    data = await fetch(real_client, video)
    assert_video_with_audio(data)
    duration = float(probe(data)["format"]["duration"])  # type: ignore[index]
    assert abs(duration - speech_job["result"]["duration_seconds"]) < 0.5


async def test_model_listings_of_the_real_servers(real_client: httpx.AsyncClient) -> None:
    listing = (await real_client.get("/api/v1/models")).json()
    assert listing["unavailable"] == {}
    backends = {(m["service"], m["backend"]) for m in listing["models"]}
    assert {("audio", "espeak"), ("image", "draft"), ("video", "puppet")} <= backends
