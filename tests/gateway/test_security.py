"""Refusals: no key, another tenant's ids, rate limits, bad and oversized uploads, wrong media
types. Each answers problem+json, and none of them stores anything."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import httpx
import pytest

from studio.core.artifacts.local import LocalArtifactStore
from tests.gateway.conftest import new_key
from tests.gateway.fakes import png_bytes, wav_bytes
from tests.gateway.stack import Stack

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["detail"] and "Traceback" not in response.text
    return body


async def counts(db: asyncpg.Connection) -> dict[str, int]:
    """Rows a request could leave behind. Uploads only among assets: jobs of earlier tests that are
    still finishing add their outputs meanwhile, and those are not this test's business."""
    tables = ("generation_jobs", "voices", "projects", "idempotency_keys")
    result = {table: await db.fetchval(f"SELECT count(*) FROM {table}") for table in tables}
    result["uploads"] = await db.fetchval("SELECT count(*) FROM media_assets WHERE job_id IS NULL")
    return result


def stored_uploads(stack: Stack) -> list[Path]:
    assert isinstance(stack.artifacts, LocalArtifactStore), "these tests read the local store's files"
    root = stack.artifacts.root / stack.artifacts.bucket / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/jobs"),
        ("POST", "/api/v1/audio/generate-speech"),
        ("GET", "/api/v1/studio/projects"),
        ("GET", "/api/v1/assets/00000000-0000-0000-0000-000000000000/download"),
    ],  # /v1 answers 401 in OpenAI's shape instead: tests/gateway/test_openai.py
)
async def test_no_key_is_401(anonymous: httpx.AsyncClient, method: str, path: str) -> None:
    body = assert_problem(await anonymous.request(method, path, json={"text": "x"}), 401)
    assert "API key" in body["detail"]


async def test_unknown_revoked_and_malformed_credentials_are_401(
    anonymous: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    for headers in (
        {"Authorization": "Bearer sk_studio_not-a-real-key"},
        {"X-API-Key": "sk_studio_nope"},
        {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.bad"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ):
        assert_problem(await anonymous.get("/api/v1/jobs", headers=headers), 401)
    key = await new_key(stack)
    assert (await anonymous.get("/api/v1/jobs", headers={"X-API-Key": key})).status_code == 200
    await db.execute(
        "UPDATE api_keys SET revoked_at = now() WHERE key_hash = encode(sha256($1::bytea), 'hex')", key.encode()
    )
    await asyncio.sleep(0.6)  # verified keys are trusted for auth_cache_seconds (0.5 s in tests)
    assert_problem(await anonymous.get("/api/v1/jobs", headers={"X-API-Key": key}), 401)


async def test_web_ui_token_works_like_its_key(anonymous: httpx.AsyncClient, client: httpx.AsyncClient) -> None:
    token = (await client.post("/api/v1/auth/token")).json()
    assert token["token_type"] == "bearer" and token["expires_in"] > 0
    jwt_headers = {"Authorization": f"Bearer {token['access_token']}"}
    job = (await client.post("/api/v1/image/generate", json={"prompt": "x"})).json()
    assert (await anonymous.get(f"/api/v1/jobs/{job['id']}", headers=jwt_headers)).status_code == 200
    # a token cannot mint tokens (it would never expire)
    assert_problem(await anonymous.post("/api/v1/auth/token", headers=jwt_headers), 401)


async def test_another_tenants_ids_are_404(client: httpx.AsyncClient, stack: Stack) -> None:
    job = (
        await client.post("/api/v1/audio/generate-speech", json={"text": "mine"}, headers={"Prefer": "wait=30"})
    ).json()
    asset_id = job["assets"][0]["id"]
    project = (await client.post("/api/v1/studio/create-project", json={"name": "mine"})).json()
    voice = (
        await client.post(
            "/api/v1/audio/clone-voice", files={"sample": ("v.wav", wav_bytes(1.0), "audio/wav")}, data={"name": "v"}
        )
    ).json()["voice"]
    other = await new_key(stack, "other tenant")
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": other}, timeout=30) as intruder:
        for path in (
            f"/api/v1/jobs/{job['id']}",
            f"/api/v1/jobs/{job['id']}/events",
            f"/api/v1/video/status/{job['id']}",
            f"/api/v1/assets/{asset_id}",
            f"/api/v1/assets/{asset_id}/download",
            f"/api/v1/studio/projects/{project['id']}",
            f"/api/v1/audio/voices/{voice['id']}",
        ):
            assert_problem(await intruder.get(path), 404)
        assert_problem(await intruder.post(f"/api/v1/jobs/{job['id']}/cancel"), 404)
        assert_problem(await intruder.delete(f"/api/v1/audio/voices/{voice['id']}"), 404)
        # using another tenant's asset, voice or project as an input is refused too
        assert_problem(await intruder.post("/api/v1/image/upscale", json={"image_asset_id": asset_id}), 404)
        assert_problem(
            await intruder.post("/api/v1/audio/generate-speech", json={"text": "x", "voice_id": voice["id"]}), 404
        )
        assert_problem(
            await intruder.post("/api/v1/image/generate", json={"prompt": "x", "project_id": project["id"]}), 404
        )
        assert (await intruder.get("/api/v1/jobs")).json()["items"] == []
        assert (await intruder.get("/api/v1/assets")).json() == []


async def test_garbage_ids_are_404_not_500(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/jobs/not-a-uuid", "/api/v1/assets/../../etc/passwd", f"/api/v1/jobs/{uuid.uuid4()}"):
        response = await client.get(path)
        assert response.status_code == 404, (path, response.text)


async def test_rate_limit_is_per_key_and_endpoint_with_retry_after(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    # create_project is limited to 3 per minute in the test settings
    for index in range(3):
        assert (await client.post("/api/v1/studio/create-project", json={"name": f"p{index}"})).status_code == 201
    before = await counts(db)
    limited = await client.post("/api/v1/studio/create-project", json={"name": "one too many"})
    body = assert_problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1 and "create_project" in body["detail"]
    assert await counts(db) == before
    assert (await client.get("/api/v1/studio/projects")).status_code == 200  # other endpoints are not affected
    other = await new_key(stack)
    response = await client.post(
        "/api/v1/studio/create-project", json={"name": "other key"}, headers={"Authorization": f"Bearer {other}"}
    )
    assert response.status_code == 201  # nor are other keys


async def test_text_file_as_voice_sample_is_415_and_stores_nothing(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    before, files = await counts(db), stored_uploads(stack)
    for filename, content, declared in (
        ("notes.txt", b"hello, this is not audio\n" * 50, "text/plain"),
        ("fake.wav", b"definitely not RIFF data" * 10, "audio/wav"),  # lying about the type changes nothing
        ("pic.png", png_bytes(), "image/png"),
    ):
        response = await client.post(
            "/api/v1/audio/clone-voice", files={"sample": (filename, content, declared)}, data={"name": "x"}
        )
        body = assert_problem(response, 415)
        assert "WAV" in body["detail"]
    assert await counts(db) == before and stored_uploads(stack) == files


async def test_broken_audio_and_bad_forms_are_400_and_store_nothing(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    before, files = await counts(db), stored_uploads(stack)
    truncated = wav_bytes(1.0)[:60]  # a RIFF/WAVE header and almost nothing else
    cases = [
        ({"sample": ("x.wav", truncated, "audio/wav")}, {"name": "x"}),
        ({"sample": ("x.wav", b"", "audio/wav")}, {"name": "x"}),
        ({"sample": ("x.wav", wav_bytes(0.5), "audio/wav")}, {"name": "   "}),
        ({"sample": ("x.wav", wav_bytes(0.5), "audio/wav")}, {"name": "x", "language": "pt br; drop table"}),
        ({}, {"name": "no sample"}),
    ]
    for files_part, data in cases:
        response = await client.post("/api/v1/audio/clone-voice", files=files_part or {"other": ("a", b"b")}, data=data)
        assert_problem(response, 400)
    assert await counts(db) == before and stored_uploads(stack) == files


async def test_json_to_upload_route_and_text_to_json_route_are_415(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post("/api/v1/audio/clone-voice", json={"name": "x"}), 415)
    assert_problem(
        await client.post("/api/v1/image/generate", content=b"prompt=x", headers={"content-type": "text/plain"}), 415
    )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/audio/generate-speech", {"text": "hi", "callback_url": "https://example.com/x"}, "callback_url"),
        ("/api/v1/audio/generate-speech", {"text": "hi", "webhook": {"url": "https://example.com/x", "to": 1}}, "to"),
        ("/api/v1/image/generate", {"prompt": "a fox", "negative": "text"}, "negative"),
        ("/api/v1/studio/create-project", {"name": "p", "kind": "video"}, "kind"),
        ("/api/v1/webhooks", {"url": "https://example.com/x", "event": ["job.failed"]}, "event"),
    ],
)
async def test_unknown_fields_are_400_naming_them_and_change_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection, path: str, body: dict, field: str
) -> None:
    before = await counts(db)
    problem = assert_problem(await client.post(path, json=body), 400)
    assert f"unknown field `{field}`" in problem["detail"]
    assert await counts(db) == before


async def test_30_mb_upload_is_413_and_stores_nothing(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    before, files = await counts(db), stored_uploads(stack)
    big = wav_bytes(0.1)[:44] + bytes(30 * 1024 * 1024)
    for path, field in (("/api/v1/audio/clone-voice", "sample"), ("/api/v1/assets", "file")):
        response = await client.post(path, files={field: ("big.wav", big, "audio/wav")}, data={"name": "big"})
        body = assert_problem(response, 413)
        assert "STUDIO_MAX_UPLOAD_BYTES" in body["detail"]
    assert_problem(await client.post("/api/v1/image/generate", json={"prompt": "x" * 2_000_000}), 413)
    assert await counts(db) == before and stored_uploads(stack) == files


async def test_uploads_are_validated_images_and_audio(client: httpx.AsyncClient) -> None:
    image = await client.post("/api/v1/assets", files={"file": ("face.png", png_bytes(), "image/png")})
    assert image.status_code == 201, image.text
    assert image.json()["type"] == "image" and image.json()["metadata"] == {"format": "png", "width": 64, "height": 64}
    audio = await client.post("/api/v1/assets", files={"file": ("a.bin", wav_bytes(1.0), "application/octet-stream")})
    assert audio.status_code == 201 and audio.json()["type"] == "audio"
    assert abs(audio.json()["metadata"]["duration_seconds"] - 1.0) < 0.01
    assert_problem(await client.post("/api/v1/assets", files={"file": ("a.txt", b"plain text", "text/plain")}), 415)
    broken_png = png_bytes()[:40]
    assert_problem(await client.post("/api/v1/assets", files={"file": ("b.png", broken_png, "image/png")}), 400)
    # an uploaded audio file is not an image input
    assert_problem(await client.post("/api/v1/image/upscale", json={"image_asset_id": audio.json()["id"]}), 400)
