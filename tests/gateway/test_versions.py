"""Project versions: re-render a scene as version 2 (its steps run again, the rest are recalled),
restore, duplicate, and the project zip; another tenant's project is not found."""

from __future__ import annotations

import io
import zipfile

import asyncpg
import httpx
import yaml

from tests.gateway.conftest import new_key
from tests.gateway.stack import Stack
from tests.gateway.test_projects import dispatch_counts, screenplay, wait_project
from tests.gateway.test_security import assert_problem


async def produced(client: httpx.AsyncClient, name: str = "versions") -> dict:
    started = await client.post(
        "/api/v1/studio/projects", json={"name": name, "screenplay": screenplay("Versions film")}
    )
    assert started.status_code == 202, started.text
    detail = await wait_project(client, started.json()["id"])
    assert detail["project"]["status"] == "completed", detail["project"]
    return detail


async def test_rerender_a_scene_restore_and_duplicate(client: httpx.AsyncClient, db: asyncpg.Connection) -> None:
    first = await produced(client)
    project_id = first["project"]["id"]
    assert first["project"]["version"] == 1
    assert {step["version"] for step in first["steps"]} == {1}
    scenes = {step["name"]: step["scene"] for step in first["steps"]}
    assert scenes["frame:1"] == 1 and scenes["pictures:2"] == 2 and scenes["music"] is None
    (v1,) = (await client.get(f"/api/v1/studio/projects/{project_id}/versions")).json()
    assert v1["number"] == 1 and v1["status"] == "completed" and v1["current"] and v1["film_asset_id"]
    before = await dispatch_counts(db, project_id)

    started = await client.post(f"/api/v1/studio/projects/{project_id}/render", json={"scenes": [1]})
    assert started.status_code == 202, started.text
    assert started.json()["number"] == 2 and started.json()["scenes"] == [1]
    assert started.headers["location"].endswith(f"/api/v1/studio/projects/{project_id}/versions/2")
    again = await client.post(f"/api/v1/studio/projects/{project_id}/render", json={"scenes": [2]})
    assert_problem(again, 409)
    assert_problem(await client.post(f"/api/v1/studio/projects/{project_id}/versions/2/restore"), 409)

    second = await wait_project(client, project_id)
    assert second["project"]["status"] == "completed" and second["project"]["version"] == 2
    made = {step["name"]: step["version"] for step in second["steps"]}
    # scene 1's frame and what depends on it are new; the other scene's steps, portraits, narration and music
    # are recalled from version 1
    assert made["frame:1"] == 2 and made["pictures:1"] == 2 and made["compose"] == 2
    assert made["portrait:ana"] == 1 and made["narration:1"] == 1 and made["music"] == 1 and made["talk:2"] == 1
    after = await dispatch_counts(db, project_id)
    assert all(after[step] == count for step, count in before.items())  # nothing of version 1 ran again
    assert len(after) > len(before)
    assert second["screenplay"]["scenes"][0]["seed"] >= 0 and "seed" not in second["screenplay"]["scenes"][1]

    versions = (await client.get(f"/api/v1/studio/projects/{project_id}/versions")).json()
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["current"] and not versions[1]["current"]
    assert versions[0]["film_asset_id"] != versions[1]["film_asset_id"]

    restored = await client.post(f"/api/v1/studio/projects/{project_id}/versions/1/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["version"] == 1 and restored.json()["result"] == first["project"]["result"]
    detail = (await client.get(f"/api/v1/studio/projects/{project_id}")).json()
    assert detail["screenplay"] == first["screenplay"] and detail["steps"] == first["steps"]
    assert [v["current"] for v in (await client.get(f"/api/v1/studio/projects/{project_id}/versions")).json()] == [
        False,
        True,
    ]
    assert_problem(await client.post(f"/api/v1/studio/projects/{project_id}/versions/9/restore"), 404)

    copy = await client.post(f"/api/v1/studio/projects/{project_id}/duplicate", json={})
    assert copy.status_code == 201, copy.text
    assert copy.json()["name"] == "versions (copy)" and copy.json()["status"] == "draft"
    copied = (await client.get(f"/api/v1/studio/projects/{copy.json()['id']}")).json()
    assert copied["screenplay"] == first["screenplay"] and copied["jobs"] == []
    named = await client.post(f"/api/v1/studio/projects/{project_id}/duplicate", json={"name": "Outro"})
    assert named.json()["name"] == "Outro"
    bodiless = await client.post(f"/api/v1/studio/projects/{project_id}/duplicate")
    assert bodiless.status_code == 201, bodiless.text
    assert_problem(await client.post(f"/api/v1/studio/projects/{project_id}/duplicate", json={"nome": "x"}), 400)


async def test_render_refusals(client: httpx.AsyncClient, stack: Stack) -> None:
    draft = (await client.post("/api/v1/studio/create-project", json={"name": "draft"})).json()
    refused = assert_problem(await client.post(f"/api/v1/studio/projects/{draft['id']}/render", json={}), 409)
    assert "produce it first" in refused["detail"]
    assert_problem(await client.get(f"/api/v1/studio/projects/{draft['id']}/export"), 409)
    assert (await client.get(f"/api/v1/studio/projects/{draft['id']}/versions")).json() == []

    detail = await produced(client, "refusals")
    project_id = detail["project"]["id"]
    out_of_range = assert_problem(
        await client.post(f"/api/v1/studio/projects/{project_id}/render", json={"scenes": [3]}), 400
    )
    assert "1-2" in out_of_range["detail"]
    assert_problem(await client.post(f"/api/v1/studio/projects/{project_id}/render", json={"scenes": [0]}), 400)
    assert_problem(await client.post(f"/api/v1/studio/projects/{project_id}/render", json={"scene": [1]}), 400)
    assert len((await client.get(f"/api/v1/studio/projects/{project_id}/versions")).json()) == 1

    key = await new_key(stack, "another tenant")
    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as other:
        base = f"/api/v1/studio/projects/{project_id}"
        assert_problem(await other.get(f"{base}/versions"), 404)
        assert_problem(await other.get(f"{base}/versions/1"), 404)
        assert_problem(await other.post(f"{base}/render", json={"scenes": [1]}), 404)
        assert_problem(await other.post(f"{base}/versions/1/restore"), 404)
        assert_problem(await other.post(f"{base}/duplicate", json={}), 404)
        assert_problem(await other.get(f"{base}/export"), 404)


async def test_project_zip(client: httpx.AsyncClient) -> None:
    detail = await produced(client, "Filme: Luna & Pip")
    project_id = detail["project"]["id"]
    response = await client.get(f"/api/v1/studio/projects/{project_id}/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert 'filename="Filme- Luna - Pip.zip"' in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {"film.mp4", "film.srt", "film.vtt", "stills/scene-01.png", "narration/scene-01.wav"} <= names
    assert {"narration/scene-02.wav", "music.wav", "screenplay.yaml"} <= names
    compose = next(step for step in detail["steps"] if step["name"] == "compose")
    film = next(
        asset
        for job in detail["jobs"]
        if job["id"] == compose["job_id"]
        for asset in job["assets"]
        if asset["role"] == "video"
    )
    assert archive.read("film.mp4") == (await client.get(film["links"]["download"])).content
    assert archive.read("film.vtt").startswith(b"WEBVTT")
    assert yaml.safe_load(archive.read("screenplay.yaml")) == detail["screenplay"]
    assert archive.read("stills/scene-01.png")[:8] == b"\x89PNG\r\n\x1a\n"
