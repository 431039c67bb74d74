"""Idempotency-Key: a retried POST gets the original response and does the work once."""

from __future__ import annotations

import uuid

import asyncpg
import httpx

from tests.gateway.fakes import wav_bytes
from tests.gateway.test_security import assert_problem


async def test_retry_returns_the_original_job(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/api/v1/image/generate", json={"prompt": "a cat"}, headers=headers)
    again = await client.post("/api/v1/image/generate", json={"prompt": "a cat"}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.content == first.content
    assert again.headers["idempotent-replayed"] == "true" and again.headers["location"] == first.headers["location"]
    assert await db.fetchval("SELECT count(*) FROM generation_jobs WHERE parameters->>'prompt' = 'a cat'") >= 1
    ids = await db.fetch("SELECT id FROM generation_jobs WHERE id = $1", uuid.UUID(first.json()["id"]))
    assert len(ids) == 1


async def test_same_key_with_another_body_is_422(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "order-42"}
    assert (await client.post("/api/v1/image/generate", json={"prompt": "a"}, headers=headers)).status_code == 202
    body = assert_problem(await client.post("/api/v1/image/generate", json={"prompt": "b"}, headers=headers), 422)
    assert "Idempotency-Key" in body["detail"]


async def test_keys_are_per_tenant_and_errors_release_them(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    headers = {"Idempotency-Key": "shared-name"}
    assert_problem(await client.post("/api/v1/image/generate", json={"prompt": ""}, headers=headers), 400)
    assert await db.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = 'shared-name'") == 0
    ok = await client.post("/api/v1/image/generate", json={"prompt": "fixed"}, headers=headers)
    assert ok.status_code == 202
    assert_problem(await client.post("/api/v1/image/generate", json={}, headers={"Idempotency-Key": "x" * 300}), 400)


async def test_multipart_retry_with_a_new_boundary_is_replayed(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    files = {"sample": ("v.wav", wav_bytes(1.0), "audio/wav")}
    first = await client.post("/api/v1/audio/clone-voice", files=files, data={"name": "twice"}, headers=headers)
    again = await client.post("/api/v1/audio/clone-voice", files=files, data={"name": "twice"}, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["voice"]["id"] == again.json()["voice"]["id"]
    assert await db.fetchval("SELECT count(*) FROM voices WHERE name = 'twice'") == 1
