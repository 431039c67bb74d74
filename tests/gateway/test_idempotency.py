"""Idempotency-Key: a retried POST gets the original response and does the work once."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

from studio.gateway.http.idempotency import LEASE_SECONDS
from tests.gateway.fakes import wav_bytes
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem

HOLDER = Path(__file__).with_name("idempotency_holder.py")


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


async def test_a_key_held_by_a_process_killed_mid_request_is_released_within_seconds(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    """Item 8 of issue 15: keys in flight when a gateway was killed still answered 409 minutes later."""
    assert stack.settings is not None
    owner = (await client.get("/api/v1/account")).json()["id"]
    key = str(uuid.uuid4())
    path = "/api/v1/image/generate"
    body = json.dumps({"prompt": "held by a dying gateway"})
    headers = {"Idempotency-Key": key, "Content-Type": "application/json"}
    holder = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("idempotency_holder.py")),
            stack.settings.database_url,
            owner,
            key,
            path,
            body,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert await asyncio.to_thread(holder.stdout.readline) == "claimed\n"
        # While the process lives, it renews its claim: past one lease the key is still in use.
        await asyncio.sleep(LEASE_SECONDS + 1)
        held = assert_problem(await client.post(path, content=body, headers=headers), 409)
        assert "still being handled" in held["detail"]
        holder.kill()  # kill -9: no release, no more renewals
        killed = time.monotonic()
        holder.wait()
    finally:
        if holder.poll() is None:
            holder.kill()
    while True:
        answer = await client.post(path, content=body, headers=headers)
        if answer.status_code != 409:
            break
        assert time.monotonic() - killed < LEASE_SECONDS + 5, "the dead process's key was not released in time"
        await asyncio.sleep(0.2)
    released = time.monotonic() - killed
    assert answer.status_code == 202, answer.text
    assert released < LEASE_SECONDS + 3
    replay = await client.post(path, content=body, headers=headers)
    assert replay.status_code == 202 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["id"] == answer.json()["id"]
    assert (
        await db.fetchval(
            "SELECT count(*) FROM generation_jobs WHERE parameters->>'prompt' = 'held by a dying gateway'"
        )
        == 1
    )
