"""Jobs: listing and filters, failures (with and without Prefer: wait), cancellation, retries."""

from __future__ import annotations

import asyncio

import httpx

from tests.gateway.test_security import assert_problem


async def wait_status(client: httpx.AsyncClient, job_id: str, statuses: tuple[str, ...], timeout: float = 20) -> dict:
    for _ in range(int(timeout / 0.1)):
        job = (await client.get(f"/api/v1/jobs/{job_id}")).json()
        if job["status"] in statuses:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} stayed {job['status']}")


async def test_list_and_filter(client: httpx.AsyncClient) -> None:
    speech = (
        await client.post("/api/v1/audio/generate-speech", json={"text": "x"}, headers={"Prefer": "wait=30"})
    ).json()
    image = (await client.post("/api/v1/image/generate", json={"prompt": "x"}, headers={"Prefer": "wait=30"})).json()
    everything = (await client.get("/api/v1/jobs")).json()["items"]
    assert [job["id"] for job in everything] == [image["id"], speech["id"]]
    only_audio = (await client.get("/api/v1/jobs", params={"type": "audio.synthesize"})).json()["items"]
    assert [job["id"] for job in only_audio] == [speech["id"]]
    completed = (await client.get("/api/v1/jobs", params={"status": "completed", "limit": 1})).json()
    assert len(completed["items"]) == 1 and completed["limit"] == 1
    assert (await client.get("/api/v1/jobs", params={"status": "failed"})).json()["items"] == []
    assert_problem(await client.get("/api/v1/jobs", params={"status": "weird"}), 400)
    assert_problem(await client.get("/api/v1/jobs", params={"limit": 0}), 400)


async def test_failed_job_reports_the_services_error(client: httpx.AsyncClient) -> None:
    accepted = (await client.post("/api/v1/audio/generate-speech", json={"text": "please [fail]"})).json()
    job = await wait_status(client, accepted["id"], ("failed",))
    assert job["error"] == {"code": "invalid_argument", "message": "the fake backend refuses requests marked [fail]"}
    waited = await client.post(
        "/api/v1/audio/generate-speech", json={"text": "[fail] again"}, headers={"Prefer": "wait=30"}
    )
    body = assert_problem(waited, 422)
    assert "[fail]" in body["detail"] and body["job"]["status"] == "failed"


async def test_crashing_job_is_retried_then_failed_as_internal(client: httpx.AsyncClient) -> None:
    job = await client.post("/api/v1/image/generate", json={"prompt": "[crash]"}, headers={"Prefer": "wait=30"})
    body = assert_problem(job, 502)
    assert body["job"]["attempts"] == 2 and body["job"]["error"]["code"] == "internal"
    assert "Traceback" not in job.text


async def test_cancel_a_running_job(client: httpx.AsyncClient) -> None:
    job = (await client.post("/api/v1/audio/generate-speech", json={"text": "long [slow] job"})).json()
    await wait_status(client, job["id"], ("running",))
    cancelled = await client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    await asyncio.sleep(1.5)  # the worker notices and reports; the job stays cancelled
    final = (await client.get(f"/api/v1/jobs/{job['id']}")).json()
    assert final["status"] == "cancelled" and final["assets"] == []
    assert_problem(await client.post(f"/api/v1/jobs/{job['id']}/cancel"), 409)
