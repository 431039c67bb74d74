"""The issue's acceptance walk-through over REST: clone a voice, speak with it, make an image,
make an avatar from the two, download each result and check it; Prefer: wait and SSE."""

from __future__ import annotations

import json

import httpx

from tests.gateway.fakes import wav_bytes
from tests.gateway.media import assert_image, assert_video_with_audio, assert_wav

WAIT = {"Prefer": "wait=60"}


async def download(client: httpx.AsyncClient, asset: dict) -> bytes:
    response = await client.get(asset["links"]["download"], follow_redirects=True)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(asset["content_type"])
    assert len(response.content) == asset["size"]
    return response.content


async def test_voice_speech_image_avatar_and_downloads(client: httpx.AsyncClient) -> None:
    cloned = await client.post(
        "/api/v1/audio/clone-voice",
        files={"sample": ("me.wav", wav_bytes(2.0), "audio/wav")},
        data={"name": "Minha Voz", "language": "pt-br"},
        headers=WAIT,
    )
    assert cloned.status_code == 200, cloned.text
    voice = cloned.json()["voice"]
    assert voice["status"] == "ready" and voice["name"] == "Minha Voz"
    assert (await client.get(f"/api/v1/audio/voices/{voice['id']}")).json()["status"] == "ready"
    assert voice["id"] in [v["id"] for v in (await client.get("/api/v1/audio/voices")).json()]

    speech = await client.post(
        "/api/v1/audio/generate-speech", json={"text": "Olá, sou seu assistente", "voice_id": voice["id"]}, headers=WAIT
    )
    assert speech.status_code == 200, speech.text
    speech_job = speech.json()
    assert speech_job["status"] == "completed" and speech_job["result"]["duration_seconds"] > 0
    assert speech_job["parameters"]["voice"]["profile"]["key"]  # the cloned profile was used
    (audio,) = speech_job["assets"]
    assert_wav(await download(client, audio))

    image = await client.post("/api/v1/image/generate", json={"prompt": "Professional headshot"}, headers=WAIT)
    assert image.status_code == 200, image.text
    (portrait,) = image.json()["assets"]
    assert assert_image(await download(client, portrait)) == (64, 64)

    avatar = await client.post(
        "/api/v1/video/create-avatar",
        json={"portrait_asset_id": portrait["id"], "audio_asset_id": audio["id"]},
        headers=WAIT,
    )
    assert avatar.status_code == 200, avatar.text
    avatar_job = avatar.json()
    assert avatar_job["type"] == "video.create_avatar_video"
    assert len(avatar_job["parameters"]["words"]) == 4  # the speech's timings drive the lips
    (video,) = avatar_job["assets"]
    assert_video_with_audio(await download(client, video))
    status = await client.get(f"/api/v1/video/status/{avatar_job['id']}")
    assert status.json()["status"] == "completed"


async def test_without_prefer_the_job_is_accepted_and_followed(client: httpx.AsyncClient) -> None:
    accepted = await client.post("/api/v1/image/generate", json={"prompt": "a lighthouse", "count": 2})
    assert accepted.status_code == 202
    job = accepted.json()
    assert accepted.headers["location"] == job["links"]["self"] == f"/api/v1/jobs/{job['id']}"
    assert job["status"] in ("queued", "submitted", "running", "completed")
    async with client.stream("GET", job["links"]["events"]) as stream:
        events = [line async for line in stream.aiter_lines() if line.startswith("event:")]
    assert events[-1] == "event: completed"
    done = (await client.get(job["links"]["self"])).json()
    assert done["status"] == "completed" and len(done["assets"]) == 2


async def test_sse_shows_progress_then_completion(client: httpx.AsyncClient) -> None:
    job = (await client.post("/api/v1/audio/generate-speech", json={"text": "a long [slow] line"})).json()
    kinds: list[str] = []
    data: list[dict] = []
    async with client.stream("GET", f"/api/v1/jobs/{job['id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                kinds.append(line.removeprefix("event: "))
            elif line.startswith("data: "):
                data.append(json.loads(line.removeprefix("data: ")))
    assert kinds[0] == "status" and kinds[-1] == "completed"
    progress = [d["progress"] for k, d in zip(kinds, data, strict=True) if k == "progress"]
    assert len(progress) >= 3 and progress == sorted(progress) and 0 < progress[0] < 1
    assert data[-1]["status"] == "completed" and data[-1]["assets"][0]["type"] == "audio"


async def test_sse_of_a_finished_job_ends_at_once(client: httpx.AsyncClient) -> None:
    job = (await client.post("/api/v1/audio/generate-music", json={"description": "calm piano"}, headers=WAIT)).json()
    async with client.stream("GET", f"/api/v1/jobs/{job['id']}/events") as stream:
        lines = [line async for line in stream.aiter_lines() if line.startswith("event:")]
    assert lines == ["event: status", "event: completed"]
