"""Queue control: cancel many jobs at once (with filters), retry a failed or cancelled job as a new one;
listing by several statuses."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from tests.gateway.conftest import new_key
from tests.gateway.stack import Stack
from tests.gateway.test_jobs import wait_status
from tests.gateway.test_security import assert_problem


async def hold(client: httpx.AsyncClient, text: str = "[hold]") -> str:
    job = (await client.post("/api/v1/audio/generate-speech", json={"text": text})).json()
    return str(job["id"])


async def test_cancel_all_cancels_every_unfinished_job_and_nothing_else(client: httpx.AsyncClient) -> None:
    done = await client.post("/api/v1/image/generate", json={"prompt": "kept"}, headers={"Prefer": "wait=30"})
    running = [await hold(client, f"[hold] {n}") for n in range(3)]
    for job_id in running:
        await wait_status(client, job_id, ("running",))
    answer = await client.post("/api/v1/jobs/cancel", json={})
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()["cancelled"]) == sorted(running)
    for job_id in running:
        assert (await wait_status(client, job_id, ("cancelled",)))["error"]["code"] == "cancelled"
    assert (await client.get(f"/api/v1/jobs/{done.json()['id']}")).json()["status"] == "completed"
    await asyncio.sleep(1.0)  # the workers notice and report; the jobs stay cancelled
    listed = (await client.get("/api/v1/jobs", params={"status": "cancelled"})).json()["items"]
    assert sorted(job["id"] for job in listed) == sorted(running)
    again = await client.post("/api/v1/jobs/cancel")  # no body at all: the same as {}
    assert again.status_code == 200 and again.json() == {"cancelled": []}


async def test_cancel_all_filters_by_status_type_and_project(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    speech = await hold(client, "[hold] speech")
    image = (await client.post("/api/v1/image/generate", json={"prompt": "[hold] image"})).json()["id"]
    project = (await client.post("/api/v1/studio/create-project", json={"name": "p", "type": "video"})).json()
    in_project = (
        await client.post("/api/v1/image/generate", json={"prompt": "[hold] in project", "project_id": project["id"]})
    ).json()["id"]
    for job_id in (speech, image, in_project):
        await wait_status(client, job_id, ("running",))

    none_queued = await client.post("/api/v1/jobs/cancel", json={"status": ["queued"]})
    assert none_queued.json() == {"cancelled": []}
    by_project = await client.post("/api/v1/jobs/cancel", json={"project_id": project["id"]})
    assert by_project.json() == {"cancelled": [in_project]}
    by_type = await client.post("/api/v1/jobs/cancel", json={"type": "audio.synthesize", "status": ["running"]})
    assert by_type.json() == {"cancelled": [speech]}
    assert (await client.get(f"/api/v1/jobs/{image}")).json()["status"] == "running"
    assert (await client.post("/api/v1/jobs/cancel", json={"status": ["running"]})).json() == {"cancelled": [image]}

    bad_status = assert_problem(await client.post("/api/v1/jobs/cancel", json={"status": ["completed"]}), 400)
    assert "status" in str(bad_status)
    assert_problem(await client.post("/api/v1/jobs/cancel", json={"states": ["queued"]}), 400)
    assert_problem(await client.post("/api/v1/jobs/cancel", json={"project_id": "nope"}), 400)


async def test_cancel_all_leaves_other_tenants_alone(client: httpx.AsyncClient, stack: Stack) -> None:
    other = await new_key(stack, "other tenant")
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": other}, timeout=30) as theirs:
        their_job = await hold(theirs, "[hold] theirs")
        await wait_status(theirs, their_job, ("running",))
        assert (await client.post("/api/v1/jobs/cancel", json={})).json() == {"cancelled": []}
        assert (await theirs.get(f"/api/v1/jobs/{their_job}")).json()["status"] == "running"
        await theirs.post(f"/api/v1/jobs/{their_job}/cancel")


async def test_retry_a_failed_job_as_a_new_one(client: httpx.AsyncClient) -> None:
    failed = (await client.post("/api/v1/image/generate", json={"prompt": "[fail] once", "seed": 7})).json()
    await wait_status(client, failed["id"], ("failed",))
    retried = await client.post(f"/api/v1/jobs/{failed['id']}/retry")
    assert retried.status_code == 202, retried.text
    job = retried.json()
    assert job["id"] != failed["id"] and job["retry_of"] == failed["id"]
    assert job["type"] == "image.generate" and job["parameters"] == failed["parameters"]
    assert retried.headers["location"].endswith(f"/api/v1/jobs/{job['id']}")
    assert (await wait_status(client, job["id"], ("failed",)))["error"]["code"] == "invalid_argument"
    assert (await client.get(f"/api/v1/jobs/{failed['id']}")).json()["retry_of"] is None

    cancelled = await hold(client, "[hold] to retry")
    await client.post(f"/api/v1/jobs/{cancelled}/cancel")
    again = await client.post(f"/api/v1/jobs/{cancelled}/retry")
    assert again.status_code == 202 and again.json()["retry_of"] == cancelled
    await wait_status(client, again.json()["id"], ("running",))
    await client.post(f"/api/v1/jobs/{again.json()['id']}/cancel")


async def test_retry_refuses_unfinished_completed_unknown_and_others_jobs(
    client: httpx.AsyncClient, stack: Stack
) -> None:
    done = await client.post("/api/v1/image/generate", json={"prompt": "fine"}, headers={"Prefer": "wait=30"})
    body = assert_problem(await client.post(f"/api/v1/jobs/{done.json()['id']}/retry"), 409)
    assert "completed" in body["detail"] and "failed or cancelled" in body["detail"]
    running = await hold(client, "[hold] not yet")
    assert_problem(await client.post(f"/api/v1/jobs/{running}/retry"), 409)
    await client.post(f"/api/v1/jobs/{running}/cancel")
    assert_problem(await client.post("/api/v1/jobs/00000000-0000-4000-8000-000000000000/retry"), 404)
    assert_problem(await client.post("/api/v1/jobs/not-a-uuid/retry"), 404)
    other = await new_key(stack, "other tenant")
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": other}, timeout=30) as theirs:
        assert_problem(await theirs.post(f"/api/v1/jobs/{running}/retry"), 404)
    listed = (await client.get("/api/v1/jobs", params={"status": ["failed", "cancelled"]})).json()["items"]
    assert [job["id"] for job in listed] == [running], "no job was made by the refused retries"


async def test_a_production_step_is_not_retried(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    project = (await client.post("/api/v1/studio/create-project", json={"name": "p", "type": "video"})).json()
    failed = (await client.post("/api/v1/image/generate", json={"prompt": "[fail] step"})).json()
    await wait_status(client, failed["id"], ("failed",))
    # Made a step of the project as the production runner makes its jobs (step_id set).
    await db.execute(
        "UPDATE generation_jobs SET project_id = $2, step_id = 'pictures:1' WHERE id = $1", failed["id"], project["id"]
    )
    body = assert_problem(await client.post(f"/api/v1/jobs/{failed['id']}/retry"), 409)
    assert "produce the project again" in body["detail"]


async def test_status_may_repeat_in_the_job_list(client: httpx.AsyncClient) -> None:
    done = await client.post("/api/v1/image/generate", json={"prompt": "done"}, headers={"Prefer": "wait=30"})
    failed = await client.post("/api/v1/image/generate", json={"prompt": "[fail]"}, headers={"Prefer": "wait=30"})
    running = await hold(client)
    await wait_status(client, running, ("running",))
    both = (await client.get("/api/v1/jobs", params={"status": ["completed", "running"]})).json()["items"]
    assert [job["id"] for job in both] == [running, done.json()["id"]]
    one = (await client.get("/api/v1/jobs", params={"status": "failed"})).json()["items"]
    assert [job["id"] for job in one] == [failed.json()["job"]["id"]]
    assert_problem(await client.get("/api/v1/jobs", params={"status": ["running", "weird"]}), 400)
    await client.post(f"/api/v1/jobs/{running}/cancel")
