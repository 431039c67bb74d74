"""OpenAI-compatible endpoints answer in OpenAI's shapes, through the same jobs."""

from __future__ import annotations

import base64

import httpx

from tests.gateway.fakes import wav_bytes
from tests.gateway.media import assert_image, assert_wav
from tests.gateway.test_security import assert_problem


async def test_speech_returns_audio_bytes(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/audio/speech",
        json={"model": "tts-1", "input": "Hello from n8n", "voice": "alloy", "response_format": "wav"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("audio/")
    assert_wav(response.content)
    job = (await client.get(f"/api/v1/jobs/{response.headers['x-studio-job-id']}")).json()
    assert job["type"] == "audio.synthesize" and job["parameters"]["voice"] == {}


async def test_speech_with_a_cloned_voice_by_name(client: httpx.AsyncClient) -> None:
    await client.post(
        "/api/v1/audio/clone-voice",
        files={"sample": ("v.wav", wav_bytes(1.0), "audio/wav")},
        data={"name": "narrador"},
        headers={"Prefer": "wait=30"},
    )
    response = await client.post("/v1/audio/speech", json={"input": "Olá", "voice": "narrador"})
    assert response.status_code == 200
    job = (await client.get(f"/api/v1/jobs/{response.headers['x-studio-job-id']}")).json()
    assert job["parameters"]["voice"]["profile"]["key"].endswith("voice.json")


async def test_openai_errors_carry_error_message(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/v1/audio/speech", json={"input": "x", "response_format": "pcm"}), 400)
    assert "pcm" in body["error"]["message"] and body["error"]["type"] == "invalid_request_error"
    failed = assert_problem(await client.post("/v1/audio/speech", json={"input": "[fail]"}), 400)
    assert "[fail]" in failed["error"]["message"]
    assert_problem(await client.post("/v1/images/generations", json={"prompt": "x", "size": "1000x1000"}), 400)


async def test_images_as_urls_and_base64(client: httpx.AsyncClient) -> None:
    as_url = await client.post("/v1/images/generations", json={"prompt": "a fox", "n": 2, "size": "512x512"})
    assert as_url.status_code == 200, as_url.text
    body = as_url.json()
    assert isinstance(body["created"], int) and len(body["data"]) == 2
    url = body["data"][0]["url"]
    assert url.startswith("http://127.0.0.1:")  # absolute, as OpenAI clients expect
    async with httpx.AsyncClient(timeout=30) as without_credentials:  # fetched the way OpenAI's URLs are
        assert_image((await without_credentials.get(url)).content)
    as_b64 = await client.post("/v1/images/generations", json={"prompt": "a fox", "response_format": "b64_json"})
    assert assert_image(base64.b64decode(as_b64.json()["data"][0]["b64_json"])) == (64, 64)
