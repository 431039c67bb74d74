"""Projects: a screenplay produced as persisted step jobs; re-running or restarting the gateway
resumes without redoing finished steps."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg
import httpx
import pytest

from tests.gateway.media import assert_video_with_audio
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem


def screenplay(title: str = "Test film") -> dict:
    return {
        "title": title,
        "language": "en",
        "narrator": {"preset": "en"},
        "characters": [{"name": "Ana", "portrait": {"prompt": "a woman with a red scarf"}}],
        "scenes": [
            {"duration": 2, "prompt": "a misty forest", "narration": "Once upon a time."},
            {"duration": 2, "speaker": "Ana", "narration": "Hello there."},
        ],
        "music": {"mood": "calm piano"},
        "output": {"width": 320, "height": 240},
    }


async def new_project(client: httpx.AsyncClient, name: str = "film") -> dict:
    response = await client.post("/api/v1/studio/create-project", json={"name": name, "type": "video"})
    assert response.status_code == 201, response.text
    project: dict = response.json()
    assert project["status"] == "draft"
    return project


async def wait_project(client: httpx.AsyncClient, project_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail: dict = (await client.get(f"/api/v1/studio/projects/{project_id}")).json()
        if detail["project"]["status"] in ("completed", "failed"):
            return detail
        await asyncio.sleep(0.2)
    raise AssertionError(f"project {project_id} did not finish: {detail['project']}")


async def dispatch_counts(db: asyncpg.Connection, project_id: str) -> dict[str, int]:
    rows = await db.fetch("SELECT step_id, dispatch_count FROM generation_jobs WHERE project_id = $1::uuid", project_id)
    return {row["step_id"]: row["dispatch_count"] for row in rows}


async def test_produce_then_rerun_without_redoing(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    project = await new_project(client)
    started = await client.post(
        "/api/v1/studio/generate-content", json={"project_id": project["id"], "screenplay": screenplay()}
    )
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "running"
    detail = await wait_project(client, project["id"])
    assert detail["project"]["status"] == "completed", detail["project"]
    assert detail["project"]["steps_total"] == detail["project"]["steps_completed"] == len(detail["steps"])
    services = {step["service"] for step in detail["steps"]}
    assert services == {"audio", "image", "video", "composer"}
    assert all(step["job_id"] for step in detail["steps"])
    assert detail["project"]["result"]["duration_seconds"] > 0
    (final,) = [step for step in detail["steps"] if step["name"] == "compose"]  # the film; before it its parts
    (compose,) = [job for job in detail["jobs"] if job["id"] == final["job_id"]]
    assert compose["type"] == "composer.compose"
    film = next(asset for asset in compose["assets"] if asset["role"] == "video")
    assert film["project_id"] == project["id"] and film["id"] in {a["id"] for a in detail["assets"]}
    assert_video_with_audio((await client.get(film["links"]["download"])).content)
    counts = await dispatch_counts(db, project["id"])
    assert set(counts.values()) == {1}

    # the same screenplay again: every step is recalled, nothing is dispatched again
    again = await client.post(
        "/api/v1/studio/generate-content", json={"project_id": project["id"], "screenplay": screenplay()}
    )
    assert again.status_code == 202
    assert (await wait_project(client, project["id"]))["project"]["status"] == "completed"
    assert await dispatch_counts(db, project["id"]) == counts
    listed = (await client.get("/api/v1/studio/projects")).json()
    assert [p["id"] for p in listed] == [project["id"]]
    jobs = (await client.get("/api/v1/jobs", params={"project_id": project["id"]})).json()["items"]
    assert len(jobs) == len(counts)


@pytest.mark.slow
async def test_gateway_restart_mid_production_resumes(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    project = await new_project(client)
    response = await client.post(
        "/api/v1/studio/generate-content",
        json={"project_id": project["id"], "screenplay": screenplay("Slow film [slow]")},
    )
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until the (slow) compose step runs
        status = await db.fetchval(
            "SELECT status FROM generation_jobs WHERE project_id = $1::uuid AND type = 'composer.compose'",
            project["id"],
        )
        if status == "running":
            break
        await asyncio.sleep(0.1)
    assert status == "running"

    def while_down() -> None:
        time.sleep(1.5)  # compose finishes while no gateway is listening; its event waits in JetStream

    await asyncio.to_thread(stack.restart_gateway, while_down)
    detail = await wait_project(client, project["id"])
    assert detail["project"]["status"] == "completed", detail["project"]
    assert set((await dispatch_counts(db, project["id"])).values()) == {1}  # nothing was redone


async def test_bad_screenplays_are_400_and_change_nothing(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    project = await new_project(client)
    url = "/api/v1/studio/generate-content"
    no_scenes = {k: v for k, v in screenplay().items() if k != "scenes"}
    body = assert_problem(await client.post(url, json={"project_id": project["id"], "screenplay": no_scenes}), 400)
    assert "scenes" in body["detail"]
    local = screenplay()
    local["characters"][0]["portrait"] = {"image": "/etc/passwd.png"}
    body = assert_problem(await client.post(url, json={"project_id": project["id"], "screenplay": local}), 400)
    assert "asset:" in body["detail"]
    foreign = screenplay()
    foreign["scenes"][0] = {"duration": 2, "image": f"asset:{uuid.uuid4()}", "narration": "x"}
    assert_problem(await client.post(url, json={"project_id": project["id"], "screenplay": foreign}), 400)
    assert_problem(
        await client.post(url, json={"project_id": project["id"], "screenplay_yaml": "title: [unclosed"}), 400
    )
    assert_problem(await client.post(url, json={"project_id": project["id"]}), 400)
    assert_problem(await client.post(url, json={"project_id": str(uuid.uuid4()), "screenplay": screenplay()}), 404)
    detail = (await client.get(f"/api/v1/studio/projects/{project['id']}")).json()
    assert detail["project"]["status"] == "draft" and detail["jobs"] == []


async def test_yaml_screenplay_with_uploaded_media(client: httpx.AsyncClient) -> None:
    from tests.gateway.fakes import png_bytes

    portrait = (await client.post("/api/v1/assets", files={"file": ("ana.png", png_bytes(), "image/png")})).json()
    project = await new_project(client, "yaml")
    text = (
        "title: Yaml film\nnarrator: {preset: en}\n"
        f"characters:\n  - name: Ana\n    portrait: {{image: 'asset:{portrait['id']}'}}\n"
        "scenes:\n  - {duration: 2, speaker: Ana, narration: Hi}\n"
    )
    body = {"project_id": project["id"], "screenplay_yaml": text}
    response = await client.post("/api/v1/studio/generate-content", json=body)
    assert response.status_code == 202, response.text
    assert_problem(await client.post("/api/v1/studio/generate-content", json=body), 409)  # already running
    assert (await wait_project(client, project["id"]))["project"]["status"] == "completed"
