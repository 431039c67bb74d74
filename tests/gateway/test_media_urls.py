"""Smaller things the web studio reads: a player's signed media URL (expiry, tampering, Range),
the upload limits and the screenplay's JSON Schema."""

from __future__ import annotations

import json
import time
import urllib.parse
from datetime import datetime

import httpx

from studio.gateway import signed_links
from studio.pipeline.screenplay import SCHEMA_PATH
from tests.gateway.conftest import TEST_OVERRIDES, new_key
from tests.gateway.fakes import png_bytes
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem
from tests.gateway.test_signed_links import altered, param, upload


async def media_url(client: httpx.AsyncClient, asset_id: str) -> dict:
    response = await client.post(f"/api/v1/assets/{asset_id}/url")
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_a_media_url_streams_and_seeks_without_credentials(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    data = png_bytes(40)
    asset = await upload(client, data)
    issued = await media_url(client, asset["id"])
    url = issued["url"]
    assert url.startswith("/files/") and "signature=" in url
    expires_at = datetime.fromisoformat(issued["expires_at"].replace("Z", "+00:00")).timestamp()
    assert 3000 < expires_at - time.time() <= 3600
    assert int(param(url, "expires")) >= expires_at

    whole = await anonymous.get(url)
    assert whole.status_code == 200 and whole.content == data and whole.headers["accept-ranges"] == "bytes"
    part = await anonymous.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}" and part.headers["content-length"] == "10"
    tail = await anonymous.get(url, headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == data[-5:]
    rest = await anonymous.get(url, headers={"Range": f"bytes={len(data) - 3}-"})
    assert rest.status_code == 206 and rest.content == data[-3:]
    beyond = await anonymous.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(data)}"
    ignored = await anonymous.get(url, headers={"Range": "bytes=0-1,4-5"})  # several ranges: the whole body
    assert ignored.status_code == 200 and ignored.content == data


async def test_a_tampered_or_expired_media_url_is_refused(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: Stack
) -> None:
    asset = await upload(client, png_bytes(30))
    url = (await media_url(client, asset["id"]))["url"]
    signature = param(url, "signature")
    tampered = altered(url, signature=("0" if signature[0] != "0" else "1") + signature[1:])
    assert "not valid" in assert_problem(await anonymous.get(tampered), 403)["detail"]
    assert "not valid" in assert_problem(await anonymous.get(altered(url, expires="9999999999")), 403)["detail"]

    assert stack.gateway is not None
    key = urllib.parse.unquote(url.partition("?")[0].removeprefix("/files/"))
    past = int(time.time()) - 5
    expired = altered(
        url, expires=str(past), signature=signed_links.sign(stack.gateway, key, past, param(url, "tenant"))
    )
    assert "expired" in assert_problem(await anonymous.get(expired, headers={"Range": "bytes=0-1"}), 403)["detail"]


async def test_a_media_url_only_for_your_own_assets(client: httpx.AsyncClient, stack: Stack) -> None:
    asset = await upload(client, png_bytes(22))
    other = await new_key(stack, "other tenant")
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": other}) as theirs:
        assert_problem(await theirs.post(f"/api/v1/assets/{asset['id']}/url"), 404)
    assert_problem(await client.post("/api/v1/assets/00000000-0000-4000-8000-000000000000/url"), 404)


async def test_limits_are_the_servers_settings(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    limits = (await client.get("/api/v1/limits")).json()
    assert limits["min_voice_sample_seconds"] == TEST_OVERRIDES["min_voice_sample_seconds"]
    assert set(limits) == {
        "min_voice_sample_seconds",
        "max_voice_sample_seconds",
        "max_upload_bytes",
        "max_audio_upload_seconds",
        "max_image_pixels",
    }
    assert limits["max_upload_bytes"] > 0 and limits["max_voice_sample_seconds"] > limits["min_voice_sample_seconds"]
    assert_problem(await anonymous.get("/api/v1/limits"), 401)


async def test_the_screenplay_schema_is_the_one_the_server_validates_with(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/studio/screenplay.schema.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/schema+json")
    assert response.json() == json.loads(SCHEMA_PATH.read_text())
