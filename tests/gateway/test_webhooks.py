"""Webhooks: signed deliveries per request and per key, event filters, retries, refused targets."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import asyncpg
import httpx
import pytest

from studio.core.errors import InvalidInput
from studio.gateway.http.signing import verify
from studio.gateway.http.targets import check_target
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem


class Receiver:
    """A webhook endpoint on loopback that records deliveries and can fail the first few."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = len(receiver.deliveries) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[str]:
        return [json.loads(body)["event"] for _, body in self.deliveries]

    async def wait_for(self, count: int, timeout: float = 20) -> None:
        for _ in range(int(timeout / 0.1)):
            if len(self.deliveries) >= count:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{len(self.deliveries)} deliveries, expected {count}")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


async def test_per_request_webhook_is_signed_with_the_key_secret(client: httpx.AsyncClient, receiver: Receiver) -> None:
    secret = (await client.get("/api/v1/account")).json()["webhook_secret"]
    job = (
        await client.post("/api/v1/audio/generate-speech", json={"text": "hook me", "webhook": {"url": receiver.url}})
    ).json()
    await receiver.wait_for(1)
    headers, body = receiver.deliveries[0]
    assert headers["x-studio-event"] == "job.completed" and headers["content-type"] == "application/json"
    assert verify(secret, body, headers["x-studio-signature"])
    assert not verify("whsec_wrong", body, headers["x-studio-signature"])
    payload = json.loads(body)
    assert payload["job"]["id"] == job["id"] and payload["job"]["assets"][0]["type"] == "audio"


async def test_registered_webhook_filters_and_retries(
    client: httpx.AsyncClient, receiver: Receiver, db: asyncpg.Connection
) -> None:
    created = await client.post(
        "/api/v1/webhooks", json={"url": receiver.url, "events": ["job.failed"], "job_types": ["audio.synthesize"]}
    )
    assert created.status_code == 201, created.text
    hook = created.json()
    assert hook["secret"].startswith("whsec_")
    assert (await client.get("/api/v1/webhooks")).json()[0]["secret"] is None  # shown once, at creation
    receiver.fail_first = 1  # the first attempt gets a 500: the delivery is retried
    await client.post("/api/v1/audio/generate-speech", json={"text": "fine"}, headers={"Prefer": "wait=30"})
    await client.post("/api/v1/image/generate", json={"prompt": "[fail]"}, headers={"Prefer": "wait=30"})
    await client.post("/api/v1/audio/generate-speech", json={"text": "[fail]"}, headers={"Prefer": "wait=30"})
    await receiver.wait_for(2)
    await asyncio.sleep(0.5)
    assert receiver.events() == ["job.failed", "job.failed"]  # only failed audio.synthesize jobs, sent twice
    _, first = receiver.deliveries[0]
    headers, second = receiver.deliveries[1]
    assert first == second and verify(hook["secret"], second, headers["x-studio-signature"])
    row = await db.fetchrow(
        "SELECT status, attempts, last_status FROM webhook_deliveries WHERE webhook_id = $1", uuid.UUID(hook["id"])
    )
    assert dict(row) == {"status": "delivered", "attempts": 2, "last_status": 204}
    assert (await client.delete(f"/api/v1/webhooks/{hook['id']}")).status_code == 204
    assert (await client.get("/api/v1/webhooks")).json() == []


async def test_deliveries_give_up_after_max_attempts(
    client: httpx.AsyncClient, receiver: Receiver, db: asyncpg.Connection
) -> None:
    receiver.fail_first = 100
    job = (
        await client.post(
            "/api/v1/image/generate",
            json={"prompt": "x", "webhook": {"url": receiver.url, "events": ["job.completed"]}},
            headers={"Prefer": "wait=30"},
        )
    ).json()
    await receiver.wait_for(3)
    await asyncio.sleep(1.0)
    assert len(receiver.deliveries) == 3  # webhook_max_attempts in the test settings
    row = await db.fetchrow(
        "SELECT status, attempts, last_error FROM webhook_deliveries WHERE job_id = $1::uuid", job["id"]
    )
    assert row["status"] == "failed" and row["attempts"] == 3 and row["last_error"] == "HTTP 500"


async def test_private_and_malformed_targets_are_refused(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    jobs_before = await db.fetchval("SELECT count(*) FROM generation_jobs")
    with stack.overridden(allow_private_webhooks=False):
        for url in (
            "http://127.0.0.1:9/x",
            "http://10.1.2.3/x",
            "http://[::1]/x",
            "http://169.254.169.254/latest",
            "http://localhost/x",
        ):
            body = assert_problem(await client.post("/api/v1/webhooks", json={"url": url}), 400)
            assert "STUDIO_ALLOW_PRIVATE_WEBHOOKS" in body["detail"], url
            assert_problem(
                await client.post("/api/v1/image/generate", json={"prompt": "x", "webhook": {"url": url}}), 400
            )
    for url in ("ftp://example.com/x", "http://user:pw@example.com/x", "not a url at all"):
        assert_problem(await client.post("/api/v1/webhooks", json={"url": url}), 400)
    assert await db.fetchval("SELECT count(*) FROM generation_jobs") == jobs_before
    assert await db.fetchval("SELECT count(*) FROM webhooks WHERE url LIKE '%169.254%'") == 0


async def test_target_check_unit() -> None:
    await check_target("http://127.0.0.1:8/x", allow_private=True)
    for url in ("http://192.168.1.1/", "http://[::ffff:10.0.0.1]/", "http://0.0.0.0/"):
        with pytest.raises(InvalidInput):
            await check_target(url, allow_private=False)
    await check_target("http://93.184.215.14/hook", allow_private=False)  # a public literal address needs no DNS
