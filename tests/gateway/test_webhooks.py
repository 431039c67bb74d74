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
from studio.gateway.http.targets import check_target, webhook_transport
from tests.gateway.conftest import new_key
from tests.gateway.stack import Stack
from tests.gateway.test_projects import new_project, screenplay, wait_project
from tests.gateway.test_security import assert_problem


class Receiver:
    """A webhook endpoint on loopback that records deliveries and can fail the first few."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = 0
        self.redirect_to = ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = len(receiver.deliveries) <= receiver.fail_first
                self.send_response(302 if receiver.redirect_to else 500 if failing else 204)
                if receiver.redirect_to:
                    self.send_header("Location", receiver.redirect_to)
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
            "http://100.100.100.200/latest",  # carrier-grade NAT (a cloud metadata address)
            "http://192.0.0.192/latest",  # another cloud's metadata address
            "http://[2002:7f00:1::]/x",  # 6to4 for 127.0.0.1
            "http://[64:ff9b::a00:1]/x",  # NAT64 for 10.0.0.1
            "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x",  # Teredo
            "http://[::ffff:169.254.169.254]/x",  # IPv4-mapped
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
    assert await db.fetchval("SELECT count(*) FROM webhooks WHERE url LIKE '%100.100%' OR url LIKE '%2002:%'") == 0


async def test_a_target_that_turned_internal_is_refused_at_delivery(
    client: httpx.AsyncClient, receiver: Receiver, stack: Stack
) -> None:
    """Registered while private targets were allowed (or before its DNS changed): each delivery checks again."""
    hook = (await client.post("/api/v1/webhooks", json={"url": receiver.url.replace("127.0.0.1", "localhost")})).json()
    with stack.overridden(allow_private_webhooks=False):
        sent = (await client.post(f"/api/v1/webhooks/{hook['id']}/test")).json()
        for _ in range(100):
            log = (await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries")).json()
            if log[0]["status"] == "failed":
                break
            await asyncio.sleep(0.1)
    assert log[0]["id"] == sent["id"] and log[0]["status"] == "failed", log
    assert "non-public address" in log[0]["error"] and "STUDIO_ALLOW_PRIVATE_WEBHOOKS" in log[0]["error"]
    assert receiver.deliveries == []  # nothing reached the internal address


async def test_the_delivery_connection_itself_refuses_internal_addresses(receiver: Receiver) -> None:
    """The check runs when the connection is made (no DNS change between check and use can slip through)."""
    allowed = [False]
    async with httpx.AsyncClient(transport=webhook_transport(lambda: allowed[0])) as http:
        with pytest.raises(InvalidInput, match="refused at delivery"):
            await http.post(receiver.url.replace("127.0.0.1", "localhost"), content=b"{}")
        assert receiver.deliveries == []
        allowed[0] = True
        assert (await http.post(receiver.url, content=b"{}")).status_code == 204


async def test_redirects_are_never_followed(
    client: httpx.AsyncClient, receiver: Receiver, db: asyncpg.Connection
) -> None:
    internal = Receiver()
    try:
        receiver.redirect_to = internal.url
        job = await client.post(
            "/api/v1/image/generate",
            json={"prompt": "x", "webhook": {"url": receiver.url, "events": ["job.completed"]}},
            headers={"Prefer": "wait=30"},
        )
        await receiver.wait_for(3)
        await asyncio.sleep(0.5)
        row = await db.fetchrow(
            "SELECT status, last_error FROM webhook_deliveries WHERE job_id = $1::uuid", job.json()["id"]
        )
        assert dict(row) == {"status": "failed", "last_error": "HTTP 302"}
        assert internal.deliveries == []
    finally:
        internal.server.shutdown()


async def test_target_check_unit() -> None:
    await check_target("http://127.0.0.1:8/x", allow_private=True)
    for url in ("http://192.168.1.1/", "http://[::ffff:10.0.0.1]/", "http://0.0.0.0/", "http://[2002:a9fe:a9fe::]/"):
        with pytest.raises(InvalidInput):
            await check_target(url, allow_private=False)
    await check_target("http://93.184.215.14/hook", allow_private=False)  # a public literal address needs no DNS


async def test_get_a_webhook_never_shows_its_secret_and_other_keys_see_nothing(
    client: httpx.AsyncClient, stack: Stack, receiver: Receiver
) -> None:
    created = (await client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["job.failed"]})).json()
    got = await client.get(f"/api/v1/webhooks/{created['id']}")
    assert got.status_code == 200, got.text
    assert got.json() == {**created, "secret": None}
    other = await new_key(stack, "other")
    for path in (f"/api/v1/webhooks/{created['id']}", f"/api/v1/webhooks/{uuid.uuid4()}", "/api/v1/webhooks/x"):
        auth = {"Authorization": f"Bearer {other}"} if path.endswith(created["id"]) else {}
        body = assert_problem(await client.get(path, headers=auth), 404)
        assert "not found" in body["detail"]
        assert_problem(await client.post(f"{path}/test", headers=auth), 404)
        assert_problem(await client.get(f"{path}/deliveries", headers=auth), 404)


async def test_every_event_by_default_includes_project_events(client: httpx.AsyncClient, receiver: Receiver) -> None:
    created = (await client.post("/api/v1/webhooks", json={"url": receiver.url})).json()
    assert created["events"] == [
        "job.completed",
        "job.failed",
        "job.cancelled",
        "project.completed",
        "project.failed",
    ]
    body = assert_problem(
        await client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["job.done"]}), 400
    )
    assert "events" in body["detail"]


async def test_a_test_event_is_signed_delivered_and_logged(client: httpx.AsyncClient, receiver: Receiver) -> None:
    hook = (await client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["job.failed"]})).json()
    receiver.fail_first = 1  # the first attempt gets a 500: the log shows the retry
    sent = await client.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert sent.status_code == 202, sent.text
    queued = sent.json()
    assert queued["event"] == "webhook.test" and queued["status"] == "pending" and queued["attempts"] == 0
    await receiver.wait_for(2)
    headers, body = receiver.deliveries[-1]
    assert headers["x-studio-event"] == "webhook.test" and headers["x-studio-delivery"] == queued["id"]
    assert verify(hook["secret"], body, headers["x-studio-signature"])
    payload = json.loads(body)
    assert payload["event"] == "webhook.test" and payload["webhook_id"] == hook["id"] and payload["sent_at"]
    for _ in range(50):
        log = (await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries")).json()
        if log[0]["status"] == "delivered":
            break
        await asyncio.sleep(0.1)
    assert [(d["id"], d["status"], d["response_status"], d["attempts"]) for d in log] == [
        (queued["id"], "delivered", 204, 2)
    ]
    assert log[0]["delivered_at"] and log[0]["job_id"] is None and log[0]["project_id"] is None
    assert_problem(await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", params={"limit": 0}), 400)


async def test_the_delivery_log_is_newest_first_and_forgets_after_a_week(
    client: httpx.AsyncClient, receiver: Receiver, stack: Stack, db: asyncpg.Connection
) -> None:
    hook = (await client.post("/api/v1/webhooks", json={"url": receiver.url, "events": ["job.completed"]})).json()
    first = (await client.post(f"/api/v1/webhooks/{hook['id']}/test")).json()
    job = await client.post("/api/v1/audio/generate-speech", json={"text": "log me"}, headers={"Prefer": "wait=30"})
    await receiver.wait_for(2)
    log = (await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries")).json()
    assert [d["event"] for d in log] == ["job.completed", "webhook.test"]
    assert log[0]["job_id"] == job.json()["id"] and log[1]["id"] == first["id"]
    assert [d["event"] for d in (await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries?limit=1")).json()] == [
        "job.completed"
    ]
    await db.execute(
        "UPDATE webhook_deliveries SET created_at = now() - interval '8 days' WHERE id = $1::uuid", first["id"]
    )
    assert [d["id"] for d in (await client.get(f"/api/v1/webhooks/{hook['id']}/deliveries")).json()] == [log[0]["id"]]
    assert stack.gateway is not None
    assert await asyncio.to_thread(stack.call, stack.gateway.webhooks.purge_finished()) >= 1
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries WHERE id = $1::uuid", first["id"]) == 0


async def test_project_events_reach_registered_webhooks_whatever_their_job_types(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    hook = (
        await client.post(
            "/api/v1/webhooks",
            json={"url": receiver.url, "events": ["project.completed", "project.failed"], "job_types": ["x.y"]},
        )
    ).json()
    project = await new_project(client)
    await client.post("/api/v1/studio/generate-content", json={"project_id": project["id"], "screenplay": screenplay()})
    await wait_project(client, project["id"])
    failing = await new_project(client, "failing")
    broken = {**screenplay(), "scenes": [{"duration": 2, "prompt": "[fail] a storm", "narration": "Rain."}]}
    await client.post("/api/v1/studio/generate-content", json={"project_id": failing["id"], "screenplay": broken})
    await wait_project(client, failing["id"])
    await receiver.wait_for(2)
    await asyncio.sleep(0.5)
    assert sorted(receiver.events()) == ["project.completed", "project.failed"]  # no job events: not subscribed
    by_event = {json.loads(body)["event"]: (headers, body) for headers, body in receiver.deliveries}
    headers, body = by_event["project.completed"]
    assert headers["x-studio-event"] == "project.completed"
    assert verify(hook["secret"], body, headers["x-studio-signature"])
    completed = json.loads(body)
    detail = (await client.get(f"/api/v1/studio/projects/{project['id']}")).json()
    assert completed["project"] == detail["project"]
    assert completed["project"]["result"]["video"]["sha256"]
    failed = json.loads(by_event["project.failed"][1])["project"]
    assert failed["id"] == failing["id"] and "[fail]" in failed["error"]


async def test_a_productions_callback_url_gets_its_outcome_signed_with_the_key_secret(
    client: httpx.AsyncClient, receiver: Receiver
) -> None:
    secret = (await client.get("/api/v1/account")).json()["webhook_secret"]
    project = await new_project(client)
    started = await client.post(
        "/api/v1/studio/generate-content",
        json={"project_id": project["id"], "screenplay": screenplay(), "webhook": {"url": receiver.url}},
    )
    assert started.status_code == 202, started.text
    await receiver.wait_for(1)
    headers, body = receiver.deliveries[0]
    assert verify(secret, body, headers["x-studio-signature"])
    payload = json.loads(body)
    assert payload["event"] == "project.completed" and payload["project"]["id"] == project["id"]
    assert payload["project"]["status"] == "completed"

    # the webhook belongs to that production: the next one without it calls nobody; one that only wants
    # project.failed is not called for a success
    only_failures = {"url": receiver.url, "events": ["project.failed"]}
    again = {"project_id": project["id"], "screenplay": screenplay(), "webhook": only_failures}
    assert (await client.post("/api/v1/studio/generate-content", json=again)).status_code == 202
    await wait_project(client, project["id"])
    await client.post("/api/v1/studio/generate-content", json={"project_id": project["id"], "screenplay": screenplay()})
    await wait_project(client, project["id"])
    await asyncio.sleep(0.5)
    assert len(receiver.deliveries) == 1


async def test_a_productions_callback_url_is_checked_before_anything_starts(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    project = await new_project(client)
    with stack.overridden(allow_private_webhooks=False):
        body = assert_problem(
            await client.post(
                "/api/v1/studio/generate-content",
                json={"project_id": project["id"], "screenplay": screenplay(), "webhook": {"url": "http://10.0.0.1/x"}},
            ),
            400,
        )
    assert "STUDIO_ALLOW_PRIVATE_WEBHOOKS" in body["detail"]
    body = assert_problem(
        await client.post(
            "/api/v1/studio/generate-content",
            json={
                "project_id": project["id"],
                "screenplay": screenplay(),
                "webhook": {"url": "http://example.com/x", "events": ["job.completed"]},
            },
        ),
        400,
    )
    assert "webhook.events" in body["detail"]
    assert (await client.get(f"/api/v1/studio/projects/{project['id']}")).json()["project"]["status"] == "draft"
