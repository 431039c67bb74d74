"""GET /api/v1/events: a snapshot first, then every change of the tenant's jobs with growing ids;
Last-Event-ID replays or, when the changes are gone, snapshots again; tenants never see each other.
Also the ids and Last-Event-ID of the per-job stream."""

from __future__ import annotations

import time
from datetime import timedelta

import asyncpg
import httpx
import pytest

from studio.gateway.domain.jobs import tenant_events
from tests.gateway.conftest import new_key
from tests.gateway.sse import Block, stream
from tests.gateway.stack import Stack
from tests.gateway.test_jobs import wait_status
from tests.gateway.test_security import assert_problem

EVENTS = "/api/v1/events"


def is_job(job_id: str, *statuses: str):  # type: ignore[no-untyped-def]
    return lambda block: block.event == "job" and block.json()["id"] == job_id and block.json()["status"] in statuses


def ids(blocks: list[Block]) -> list[int]:
    return [int(block.id) for block in blocks if block.id is not None]


async def test_snapshot_first_then_each_change_with_growing_ids(client: httpx.AsyncClient) -> None:
    held = (await client.post("/api/v1/audio/generate-speech", json={"text": "[hold] queue"})).json()
    await wait_status(client, held["id"], ("running",))
    async with stream(client, EVENTS) as events:
        snapshot = await events.next_event()
        assert snapshot.event == "snapshot" and snapshot.id is not None
        jobs = snapshot.json()["jobs"]
        assert [job["id"] for job in jobs] == [held["id"]] and jobs[0]["status"] == "running"
        assert jobs[0]["links"]["self"].endswith(f"/api/v1/jobs/{held['id']}")

        image = (await client.post("/api/v1/image/generate", json={"prompt": "a live one"})).json()
        seen = await events.until(is_job(image["id"], "completed"), timeout=30)
        mine = [block.json() for block in seen if block.event == "job" and block.json()["id"] == image["id"]]
        assert mine[-1]["assets"], "the completed job carries its assets, as GET /api/v1/jobs/{id} does"
        cancel = await client.post(f"/api/v1/jobs/{held['id']}/cancel")
        assert cancel.status_code == 200
        seen += await events.until(is_job(held["id"], "cancelled"))
    numbered = [int(snapshot.id), *ids(seen)]
    assert numbered == sorted(numbered) and len(set(numbered)) == len(numbered), numbered


async def test_last_event_id_replays_what_was_missed_else_a_new_snapshot(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    async with stream(client, EVENTS) as events:
        snapshot = await events.next_event()
    assert snapshot.json() == {"jobs": []}
    done = await client.post("/api/v1/image/generate", json={"prompt": "while away"}, headers={"Prefer": "wait=30"})
    assert done.json()["status"] == "completed"

    async with stream(client, EVENTS, {"Last-Event-ID": snapshot.id or ""}) as events:
        replayed = await events.until(is_job(done.json()["id"], "completed"))
    assert replayed[0].event == "job", "a resumed stream replays, it does not snapshot"
    assert {block.json()["id"] for block in replayed} == {done.json()["id"]}

    for stale in ("not-a-number", "999999999999999"):
        async with stream(client, EVENTS, {"Last-Event-ID": stale}) as events:
            again = await events.next_event()
        assert again.event == "snapshot" and [job["id"] for job in again.json()["jobs"]] == [done.json()["id"]]

    assert stack.gateway is not None
    stack.call(stack.gateway.job_changes.purge(timedelta(0)))  # the changes after that id are gone
    async with stream(client, EVENTS, {"Last-Event-ID": snapshot.id or ""}) as events:
        assert (await events.next_event()).event == "snapshot"


async def test_a_tenant_sees_only_its_own_jobs(client: httpx.AsyncClient, stack: Stack) -> None:
    other = await new_key(stack, "other tenant")
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": other}, timeout=30) as theirs:
        async with stream(client, EVENTS) as events:
            assert (await events.next_event()).event == "snapshot"
            foreign = (await theirs.post("/api/v1/image/generate", json={"prompt": "not yours"})).json()
            await wait_status(theirs, foreign["id"], ("completed",))
            own = (await client.post("/api/v1/image/generate", json={"prompt": "yours"})).json()
            seen = await events.until(is_job(own["id"], "completed"))
        assert {block.json()["id"] for block in seen} == {own["id"]}
        async with stream(theirs, EVENTS) as events:
            assert [job["id"] for job in (await events.next_event()).json()["jobs"]] == [foreign["id"]]


async def test_the_stream_needs_a_credential(anonymous: httpx.AsyncClient) -> None:
    assert_problem(await anonymous.get(EVENTS), 401)
    assert_problem(await anonymous.get(EVENTS, headers={"Authorization": "Bearer sk-wrong"}), 401)


async def test_progress_is_throttled_and_changes_from_any_process_arrive(
    client: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    held = (await client.post("/api/v1/audio/generate-speech", json={"text": "[hold] throttled"})).json()
    await wait_status(client, held["id"], ("running",))
    await client.post(f"/api/v1/jobs/{held['id']}/cancel")
    await wait_status(client, held["id"], ("cancelled",))
    async with stream(client, EVENTS) as events:
        assert (await events.next_event()).event == "snapshot"
        # Another writer (a second replica, say): 60 progress updates within about a third of a second.
        started = time.monotonic()
        for step in range(1, 61):
            await db.execute("UPDATE generation_jobs SET progress = $2 WHERE id = $1", held["id"], step / 100)
        seen = await events.until(lambda block: block.event == "job" and block.json()["progress"] == 0.6)
        elapsed = time.monotonic() - started
    assert len(seen) <= 4 * elapsed + 2, f"{len(seen)} events in {elapsed:.2f} s"


async def test_a_keep_alive_comment_when_nothing_happens(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tenant_events, "KEEPALIVE_SECONDS", 0.3)
    async with stream(client, EVENTS) as events:
        assert (await events.next_event()).event == "snapshot"
        block = await events.next(timeout=5)
    assert block.comments == ["keep-alive"] and block.event is None and block.data is None


async def test_the_job_stream_numbers_its_events_and_honours_last_event_id(client: httpx.AsyncClient) -> None:
    done = (
        await client.post("/api/v1/image/generate", json={"prompt": "numbered"}, headers={"Prefer": "wait=30"})
    ).json()
    async with stream(client, f"/api/v1/jobs/{done['id']}/events") as events:
        status = await events.next_event()
        end = await events.next_event()
    assert status.event == "status" and end.event == "completed"
    assert status.id is not None and end.id is not None and 0 < int(status.id) <= int(end.id)

    held = (await client.post("/api/v1/audio/generate-speech", json={"text": "[hold] resumed"})).json()
    await wait_status(client, held["id"], ("running",))
    async with stream(client, f"/api/v1/jobs/{held['id']}/events") as events:
        opening = await events.next_event()
    assert opening.event == "status" and opening.id is not None
    async with stream(client, f"/api/v1/jobs/{held['id']}/events", {"Last-Event-ID": "999999999999999"}) as events:
        await client.post(f"/api/v1/jobs/{held['id']}/cancel")
        resumed = await events.next_event()
    assert resumed.event != "status", "a client holding the latest state gets no opening status"
    assert resumed.id is not None and int(resumed.id) >= int(opening.id)


async def test_a_stream_ends_soon_after_its_key_is_revoked(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revoked key stops receiving the account's events; its reconnect is refused with the reason."""
    monkeypatch.setattr(tenant_events, "CREDENTIAL_SECONDS", 0.3)
    made = (await client.post("/api/v1/keys", json={"name": "a tab to revoke"})).json()
    async with httpx.AsyncClient(
        base_url=str(client.base_url), headers={"Authorization": f"Bearer {made['key']}"}, timeout=30
    ) as tab:
        async with stream(tab, EVENTS) as events:
            assert (await events.next_event()).event == "snapshot"
            assert (await client.delete(f"/api/v1/keys/{made['id']}")).status_code == 204
            with pytest.raises(EOFError):
                await events.until(lambda block: False, timeout=10)
        refused = await tab.get(EVENTS)
    assert_problem(refused, 401)
    assert refused.json()["reason"] == "revoked"
    async with stream(client, EVENTS) as events:  # the account's other key streams on
        assert (await events.next_event()).event == "snapshot"
