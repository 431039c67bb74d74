"""The /v1 routes as OpenAI clients see them: the official `openai` package, and Open WebUI's requests.

Open WebUI (backend/open_webui/routers/audio.py and images.py) posts the body its UI
built plus the model and the operator's extra parameters: `{input, voice, model,
**TTS_OPENAI_PARAMS}` for speech; `{model, prompt, n, size, response_format: "b64_json",
**IMAGES_OPENAI_API_PARAMS}` for images, then fetches any URL with the same bearer key.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator

import asyncpg
import httpx
import numpy as np
import openai
import pytest

from tests.gateway.fakes import wav_bytes
from tests.gateway.media import assert_image, probe
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem

#: response_format -> (Content-Type, the codec ffprobe finds, the rate it reports, the container's suffix).
FORMATS = {
    "mp3": ("audio/mpeg", "mp3", 24000, ".mp3"),
    "opus": ("audio/opus", "opus", 48000, ".ogg"),  # Ogg Opus always decodes at 48 kHz (RFC 7845)
    "aac": ("audio/aac", "aac", 24000, ".aac"),
    "flac": ("audio/flac", "flac", 24000, ".flac"),
    "wav": ("audio/wav", "pcm_s16le", 24000, ".wav"),
}


@pytest.fixture
async def oai(stack: Stack, key: str) -> AsyncIterator[openai.AsyncOpenAI]:
    """The official client, pointed at the studio as Open WebUI or n8n would be (no retries: each call is one)."""
    async with openai.AsyncOpenAI(base_url=f"{stack.base_url}/v1", api_key=key, max_retries=0, timeout=30) as client:
        yield client


async def job_of(client: httpx.AsyncClient, job_id: str) -> dict:
    response = await client.get(f"/api/v1/jobs/{job_id}")
    assert response.status_code == 200, response.text
    job: dict = response.json()
    return job


def assert_openai_error(response: httpx.Response, status: int, param: str | None, code: str | None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["param"] == param and body["error"]["code"] == code and body["error"]["message"]
    assert body["error"]["type"] == ("server_error" if status >= 500 else "invalid_request_error")
    return dict(body["error"])


@pytest.mark.parametrize("fmt", list(FORMATS))
async def test_speech_in_each_format_is_that_format(
    oai: openai.AsyncOpenAI, client: httpx.AsyncClient, fmt: str
) -> None:
    content_type, codec, rate, suffix = FORMATS[fmt]
    speech = await oai.audio.speech.with_raw_response.create(
        model="tts-1",
        voice="alloy",
        input="Hello from the studio",
        response_format=fmt,  # type: ignore[arg-type]
    )
    assert speech.headers["content-type"] == content_type
    data = speech.content
    stream = probe(data, suffix)["streams"][0]  # type: ignore[index]
    assert stream["codec_name"] == codec and int(stream["sample_rate"]) == rate
    job = await job_of(client, speech.headers["x-studio-job-id"])
    assert job["type"] == "audio.synthesize" and job["parameters"]["sample_rate"] == 24000


async def test_pcm_is_raw_24khz_16_bit_mono(oai: openai.AsyncOpenAI) -> None:
    speech = await oai.audio.speech.with_raw_response.create(
        model="gpt-4o-mini-tts", voice="coral", input="Raw samples", response_format="pcm"
    )
    assert speech.headers["content-type"] == "audio/pcm"
    data = speech.content
    assert data[:4] not in (b"RIFF", b"OggS", b"fLaC", b"ID3\x03")  # no header of any container
    samples = np.frombuffer(data, dtype="<i2")
    assert len(samples) == 12000  # the fake speaks 0.5 s: 24,000 samples a second, one channel
    assert 0.1 < np.sqrt(np.mean((samples / 32768.0) ** 2)) < 0.3  # the fake's tone, not noise or silence


async def test_open_webui_speech_request(stack: Stack, key: str, client: httpx.AsyncClient) -> None:
    """Open WebUI's body: the UI's {input, voice}, its configured model, and the operator's extra parameters."""
    payload = {"input": "Olá, mundo", "voice": "alloy", "model": "tts-1", "stream": False, "custom_setting": "x"}
    async with httpx.AsyncClient(timeout=30) as webui:
        response = await webui.post(
            f"{stack.base_url}/v1/audio/speech", json=payload, headers={"Authorization": f"Bearer {key}"}
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "audio/mpeg"  # OpenAI's default format
    assert probe(response.content, ".mp3")["streams"][0]["codec_name"] == "mp3"  # type: ignore[index]
    job = await job_of(client, response.headers["x-studio-job-id"])
    assert job["parameters"]["voice"] == {} and job["parameters"].get("backend", "") == ""


async def test_speech_with_a_cloned_voice_by_name_or_by_id(oai: openai.AsyncOpenAI, client: httpx.AsyncClient) -> None:
    cloned = await client.post(
        "/api/v1/audio/clone-voice",
        files={"sample": ("v.wav", wav_bytes(1.0), "audio/wav")},
        data={"name": "narrador"},
        headers={"Prefer": "wait=30"},
    )
    voice_id = cloned.json()["voice"]["id"]
    for voice in ("narrador", {"id": voice_id}):
        speech = await oai.audio.speech.with_raw_response.create(model="tts-1", voice=voice, input="Olá")  # type: ignore[arg-type]
        job = await job_of(client, speech.headers["x-studio-job-id"])
        assert job["parameters"]["voice"]["profile"]["key"].endswith("voice.json")


async def test_images_as_urls_and_base64(oai: openai.AsyncOpenAI, client: httpx.AsyncClient) -> None:
    as_urls = await oai.images.with_raw_response.generate(model="dall-e-2", prompt="a fox", n=2, size="512x512")
    images = as_urls.parse()
    assert images.data is not None and len(images.data) == 2 and isinstance(images.created, int)
    job = await job_of(client, as_urls.headers["x-studio-job-id"])
    assert (job["parameters"]["width"], job["parameters"]["height"], job["parameters"]["count"]) == (512, 512, 2)
    for image in images.data:
        assert image.url is not None and image.url.startswith("http://127.0.0.1:")  # absolute, as clients expect
        async with httpx.AsyncClient(timeout=30) as without_credentials:  # fetched the way OpenAI's URLs are
            assert assert_image((await without_credentials.get(image.url)).content) == (64, 64)
    as_base64 = await oai.images.generate(model="dall-e-3", prompt="a fox", response_format="b64_json")
    assert as_base64.data is not None and as_base64.data[0].b64_json is not None
    assert assert_image(base64.b64decode(as_base64.data[0].b64_json)) == (64, 64)
    gpt_image = await oai.images.generate(model="gpt-image-1", prompt="a fox")  # answers in base64 by default
    assert gpt_image.data is not None and gpt_image.data[0].url is None and gpt_image.data[0].b64_json


async def test_open_webui_image_request(stack: Stack, key: str) -> None:
    payload = {"model": "dall-e-2", "prompt": "a lighthouse", "n": 1, "size": "512x512"}
    payload |= {"response_format": "b64_json", "quality": "hd", "background": "auto"}  # operator's extra params
    async with httpx.AsyncClient(timeout=30) as webui:
        response = await webui.post(
            f"{stack.base_url}/v1/images/generations", json=payload, headers={"Authorization": f"Bearer {key}"}
        )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data) == 1 and set(data[0]) == {"b64_json"}
    assert_image(base64.b64decode(data[0]["b64_json"]))


async def test_models_list_and_lookup(oai: openai.AsyncOpenAI, client: httpx.AsyncClient) -> None:
    models = [model async for model in oai.models.list()]
    ids = [model.id for model in models]
    assert ids[:6] == ["tts-1", "tts-1-hd", "gpt-4o-mini-tts", "dall-e-2", "dall-e-3", "gpt-image-1"]
    assert "fake" in ids  # the fake audio server's installed speech backend
    assert all(model.object == "model" and model.owned_by and model.created > 0 for model in models)
    assert (await oai.models.retrieve("tts-1")).id == "tts-1"
    speech = await oai.audio.speech.with_raw_response.create(model="fake", voice="alloy", input="a listed model")
    assert (await job_of(client, speech.headers["x-studio-job-id"]))["parameters"]["backend"] == "fake"
    with pytest.raises(openai.NotFoundError) as missing:
        await oai.models.retrieve("gpt-9")
    assert (missing.value.code, missing.value.param) == ("model_not_found", "model")


async def test_invalid_fields_answer_as_openai_does(
    oai: openai.AsyncOpenAI, client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    jobs_before = await db.fetchval("SELECT count(*) FROM generation_jobs")
    with pytest.raises(openai.BadRequestError) as too_fast:
        await oai.audio.speech.create(model="tts-1", voice="alloy", input="x", speed=5)
    assert (too_fast.value.code, too_fast.value.param, too_fast.value.type) == (
        "decimal_above_max_value",
        "speed",
        "invalid_request_error",
    )
    speech = {"model": "tts-1", "voice": "alloy", "input": "x"}
    cases = [
        ("/v1/audio/speech", {"model": "tts-1", "voice": "alloy"}, "input", "missing_required_parameter"),
        ("/v1/audio/speech", {**speech, "input": ""}, "input", "empty_string"),
        ("/v1/audio/speech", {**speech, "input": "x" * 4097}, "input", "string_above_max_length"),
        ("/v1/audio/speech", {**speech, "voice": 7}, "voice", "invalid_type"),
        ("/v1/audio/speech", {**speech, "speed": "1"}, "speed", "invalid_type"),
        ("/v1/audio/speech", {**speech, "response_format": "ogg"}, "response_format", "invalid_value"),
        ("/v1/audio/speech", {**speech, "stream_format": "sse"}, "stream_format", "unsupported_value"),
        ("/v1/images/generations", {"prompt": "x", "n": 5}, "n", "integer_above_max_value"),
        ("/v1/images/generations", {"prompt": "x", "size": "1000x1000"}, "size", "invalid_value"),
        ("/v1/images/generations", {"prompt": "x", "style": "noir"}, "style", "invalid_value"),
    ]
    messages = {}
    for path, body, param, code in cases:
        messages[param] = assert_openai_error(await client.post(path, json=body), 400, param, code)["message"]
    assert messages["speed"] == "Invalid type for 'speed': expected a number, but got a string instead."
    assert "'ogg'" in messages["response_format"] and "'pcm'" in messages["response_format"]  # what is accepted
    assert "1000x1000" in messages["size"] and "multiple of 16" in messages["size"]
    broken = await client.post(
        "/v1/audio/speech", content=b'{"model": "tts-1",', headers={"Content-Type": "application/json"}
    )
    assert "JSON" in assert_openai_error(broken, 400, None, None)["message"]
    assert await db.fetchval("SELECT count(*) FROM generation_jobs") == jobs_before  # nothing was queued


async def test_a_failed_job_is_an_openai_error(oai: openai.AsyncOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as failed:
        await oai.audio.speech.create(model="tts-1", voice="alloy", input="[fail]")
    assert "[fail]" in failed.value.message and failed.value.code is None and failed.value.param is None


async def test_authentication_errors(stack: Stack, anonymous: httpx.AsyncClient) -> None:
    async with openai.AsyncOpenAI(base_url=f"{stack.base_url}/v1", api_key="sk_studio_nope", max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError) as refused:
            await bad.models.list()
    assert (refused.value.status_code, refused.value.code, refused.value.type) == (
        401,
        "invalid_api_key",
        "invalid_request_error",
    )
    for path in ("/v1/audio/speech", "/v1/images/generations"):
        missing = await anonymous.post(path, json={"prompt": "x"})
        assert "API key" in assert_openai_error(missing, 401, None, "invalid_api_key")["message"]
    assert missing.headers["www-authenticate"].startswith("Bearer")


async def test_rate_limits_are_openai_rate_limit_errors(stack: Stack, oai: openai.AsyncOpenAI) -> None:
    with stack.overridden(rate_limits={"openai_list_models": 1}):
        await oai.models.list()
        with pytest.raises(openai.RateLimitError) as limited:
            await oai.models.list()
    assert (limited.value.code, limited.value.type) == ("rate_limit_exceeded", "requests")
    assert int(limited.value.response.headers["retry-after"]) >= 1


async def test_a_job_outliving_the_wait_is_not_retried(
    stack: Stack, key: str, client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    """OpenAI's client retries 5xx answers; the studio says not to, as a retry would start the job again."""
    retrying = openai.AsyncOpenAI(base_url=f"{stack.base_url}/v1", api_key=key, max_retries=2, timeout=30)
    with stack.overridden(openai_wait_seconds=0.2), pytest.raises(openai.InternalServerError) as late:
        await retrying.audio.speech.create(model="tts-1", voice="alloy", input="a [slow] one")
    await retrying.close()
    assert late.value.status_code == 503 and late.value.response.headers["x-should-retry"] == "false"
    owner_jobs = await db.fetch("SELECT parameters FROM generation_jobs WHERE parameters->>'text' = 'a [slow] one'")
    assert len(owner_jobs) == 1  # one call, one job
    assert "/api/v1/jobs/" in late.value.message


async def test_unknown_v1_routes_answer_as_openai(client: httpx.AsyncClient) -> None:
    assert_openai_error(await client.post("/v1/chat/completions", json={}), 404, None, None)
    assert_openai_error(await client.get("/v1/audio/speech"), 405, None, None)


async def test_api_v1_errors_stay_problem_json(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/api/v1/audio/generate-speech", json={"text": ""}), 400)
    assert "error" not in body
