"""History: search and date/type filters with totals, job and asset deletion (all or nothing),
thumbnails, format exports and Range downloads; another tenant's ids are not found."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from PIL import Image

from tests.gateway.conftest import new_key
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem

WAIT = {"Prefer": "wait=30"}


async def image_job(client: httpx.AsyncClient, prompt: str) -> dict:
    response = await client.post("/api/v1/image/generate", json={"prompt": prompt}, headers=WAIT)
    assert response.status_code == 200, response.text
    job: dict = response.json()
    assert job["status"] == "completed"
    return job


async def speech_job(client: httpx.AsyncClient, text: str) -> dict:
    response = await client.post("/api/v1/audio/generate-speech", json={"text": text}, headers=WAIT)
    assert response.status_code == 200, response.text
    job: dict = response.json()
    assert job["status"] == "completed"
    return job


async def other_client(stack: Stack) -> httpx.AsyncClient:
    key = await new_key(stack, "other tenant")
    return httpx.AsyncClient(base_url=stack.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


async def test_search_dates_types_and_total(client: httpx.AsyncClient) -> None:
    await image_job(client, "A Lighthouse at dusk")
    await image_job(client, "a lighthouse in fog")
    await image_job(client, "a red fox")
    await speech_job(client, "the LIGHTHOUSE keeper speaks")

    found = (await client.get("/api/v1/jobs", params={"q": "lighthouse"})).json()
    assert found["total"] == 3 and len(found["items"]) == 3
    page = (await client.get("/api/v1/jobs", params={"q": "lighthouse", "limit": 1, "offset": 1})).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    past = (await client.get("/api/v1/jobs", params={"q": "lighthouse", "offset": 10})).json()
    assert past["total"] == 3 and past["items"] == []
    images = (await client.get("/api/v1/jobs", params={"q": "lighthouse", "type": "image.generate"})).json()
    assert images["total"] == 2
    both = await client.get("/api/v1/jobs", params=[("type", "image.generate"), ("type", "audio.synthesize")])
    assert both.json()["total"] == 4
    # LIKE's wildcards are searched for as text
    assert (await client.get("/api/v1/jobs", params={"q": "%"})).json()["total"] == 0

    now = datetime.now(UTC)
    later = (
        await client.get("/api/v1/jobs", params={"created_after": (now + timedelta(minutes=1)).isoformat()})
    ).json()
    assert later["total"] == 0
    window = {"created_after": (now - timedelta(minutes=5)).isoformat(), "created_before": now.isoformat()}
    assert (await client.get("/api/v1/jobs", params=window)).json()["total"] == 4


async def test_bad_filters_are_400(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/jobs", params={"created_after": "yesterday"}), 400)
    naive = assert_problem(await client.get("/api/v1/jobs", params={"created_after": "2026-12-04T10:00:00"}), 400)
    assert "with its zone" in naive["detail"]
    for unclear in ("0", "1733306400", "2026-12-04", "2026-12-04T10:00Z"):  # no bare timestamps or dates
        assert_problem(await client.get("/api/v1/jobs", params={"created_before": unclear}), 400)
    taken = await client.get("/api/v1/jobs", params={"created_after": "2026-12-04T10:00:00.5+01:00"})
    assert taken.status_code == 200, taken.text
    assert_problem(await client.get("/api/v1/jobs", params={"q": "x" * 201}), 400)


async def test_delete_job_removes_rows_and_objects(
    client: httpx.AsyncClient, db: asyncpg.Connection, stack: Stack
) -> None:
    job = await image_job(client, "to be deleted")
    (asset,) = job["assets"]
    key = await db.fetchval("SELECT key FROM media_assets WHERE id = $1::uuid", asset["id"])
    assert (await client.get(asset["links"]["download"])).status_code == 200

    async with await other_client(stack) as other:  # another tenant's job is not found, and stays
        assert_problem(await other.delete(f"/api/v1/jobs/{job['id']}"), 404)

    assert (await client.delete(f"/api/v1/jobs/{job['id']}")).status_code == 204
    assert_problem(await client.get(f"/api/v1/jobs/{job['id']}"), 404)
    assert_problem(await client.get(f"/api/v1/assets/{asset['id']}"), 404)
    assert await db.fetchval("SELECT count(*) FROM media_assets WHERE key = $1", key) == 0
    assert not await stack.artifacts.exists(key)
    assert_problem(await client.delete(f"/api/v1/jobs/{job['id']}"), 404)
    assert_problem(await client.delete("/api/v1/jobs/not-a-uuid"), 404)


async def test_delete_is_refused_while_unfinished(client: httpx.AsyncClient) -> None:
    job = (await client.post("/api/v1/audio/generate-speech", json={"text": "[hold] still going"})).json()
    body = assert_problem(await client.delete(f"/api/v1/jobs/{job['id']}"), 409)
    assert "cancel it first" in body["detail"]
    await client.post(f"/api/v1/jobs/{job['id']}/cancel")
    assert (await client.delete(f"/api/v1/jobs/{job['id']}")).status_code == 204


async def test_delete_is_all_or_nothing(
    client: httpx.AsyncClient, db: asyncpg.Connection, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the stored object cannot be deleted, the rows stay; a retry then deletes everything."""
    job = await image_job(client, "kept when the store fails")
    assert stack.gateway is not None
    store = stack.gateway.artifacts

    async def broken(key: str) -> None:
        raise OSError("the store is down")

    monkeypatch.setattr(store, "delete", broken)
    failed = await client.delete(f"/api/v1/jobs/{job['id']}")
    assert failed.status_code >= 500
    assert (await client.get(f"/api/v1/jobs/{job['id']}")).json()["assets"] == job["assets"]
    monkeypatch.undo()
    assert (await client.delete(f"/api/v1/jobs/{job['id']}")).status_code == 204
    assert await db.fetchval("SELECT count(*) FROM generation_jobs WHERE id = $1::uuid", job["id"]) == 0


async def test_delete_asset(client: httpx.AsyncClient, stack: Stack) -> None:
    from tests.gateway.fakes import png_bytes

    upload = (await client.post("/api/v1/assets", files={"file": ("in.png", png_bytes(), "image/png")})).json()
    held = (
        await client.post(
            "/api/v1/image/edit", json={"image_asset_id": upload["id"], "instruction": "[hold] make it blue"}
        )
    ).json()
    assert held["status"] in ("queued", "submitted", "running"), held
    refused = assert_problem(await client.delete(f"/api/v1/assets/{upload['id']}"), 409)
    assert held["id"] in refused["detail"]
    async with await other_client(stack) as other:
        assert_problem(await other.delete(f"/api/v1/assets/{upload['id']}"), 404)
    await client.post(f"/api/v1/jobs/{held['id']}/cancel")
    assert (await client.delete(f"/api/v1/assets/{upload['id']}")).status_code == 204
    assert_problem(await client.get(f"/api/v1/assets/{upload['id']}"), 404)


async def test_thumbnail_of_an_image(client: httpx.AsyncClient, stack: Stack) -> None:
    (asset,) = (await image_job(client, "thumb"))["assets"]
    response = await client.get(f"/api/v1/assets/{asset['id']}/thumbnail", params={"size": 32})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "private, max-age=86400"
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "WEBP" and max(image.size) == 32
    assert_problem(await client.get(f"/api/v1/assets/{asset['id']}/thumbnail", params={"size": 5}), 400)
    async with await other_client(stack) as other:
        assert_problem(await other.get(f"/api/v1/assets/{asset['id']}/thumbnail"), 404)
    speech = (await speech_job(client, "no picture"))["assets"][0]
    refused = assert_problem(await client.get(f"/api/v1/assets/{speech['id']}/thumbnail"), 400)
    assert "images and videos" in refused["detail"]


async def test_export_formats(client: httpx.AsyncClient, stack: Stack) -> None:
    (image,) = (await image_job(client, "export me"))["assets"]
    webp = await client.get(f"/api/v1/assets/{image['id']}/export", params={"format": "webp"})
    assert webp.status_code == 200, webp.text
    assert webp.content[:4] == b"RIFF" and webp.content[8:12] == b"WEBP"
    assert webp.headers["content-type"] == "image/webp"
    assert f'filename="{image["id"]}.webp"' in webp.headers["content-disposition"]
    jpeg = await client.get(f"/api/v1/assets/{image['id']}/export", params={"format": "jpeg"})
    assert jpeg.content[:3] == b"\xff\xd8\xff"
    same = await client.get(f"/api/v1/assets/{image['id']}/export", params={"format": "png"})
    assert same.content == (await client.get(image["links"]["download"])).content

    wrong = assert_problem(await client.get(f"/api/v1/assets/{image['id']}/export", params={"format": "mp3"}), 400)
    assert "png, jpeg, webp" in wrong["detail"]
    assert_problem(await client.get(f"/api/v1/assets/{image['id']}/export", params={"format": "gif"}), 400)
    assert_problem(await client.get(f"/api/v1/assets/{image['id']}/export"), 400)
    async with await other_client(stack) as other:
        assert_problem(await other.get(f"/api/v1/assets/{image['id']}/export", params={"format": "webp"}), 404)

    speech = (await speech_job(client, "export the voice"))["assets"]
    audio = next(asset for asset in speech if asset["type"] == "audio")
    mp3 = await client.get(f"/api/v1/assets/{audio['id']}/export", params={"format": "mp3"})
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
    assert mp3.content[:3] == b"ID3" or mp3.content[0] == 0xFF


async def test_range_downloads(client: httpx.AsyncClient) -> None:
    (image,) = (await image_job(client, "ranges"))["assets"]
    url = image["links"]["download"] + "?mode=stream"
    whole = (await client.get(url)).content
    first = await client.get(url, headers={"Range": "bytes=0-9"})
    assert first.status_code == 206 and first.content == whole[:10]
    assert first.headers["content-range"] == f"bytes 0-9/{len(whole)}"
    tail = await client.get(url, headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == whole[-5:]
    rest = await client.get(url, headers={"Range": "bytes=20-"})
    assert rest.content == whole[20:] and rest.headers["content-length"] == str(len(whole) - 20)
    past = await client.get(url, headers={"Range": f"bytes={len(whole)}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{len(whole)}"
    stale = await client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert stale.status_code == 200 and stale.content == whole


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    missing = uuid.uuid4()
    assert_problem(await client.delete(f"/api/v1/jobs/{missing}"), 404)
    assert_problem(await client.delete(f"/api/v1/assets/{missing}"), 404)
    assert_problem(await client.get(f"/api/v1/assets/{missing}/thumbnail"), 404)
    assert_problem(await client.get(f"/api/v1/assets/{missing}/export", params={"format": "png"}), 404)
