"""Gateway-signed download links for a local artifact directory: they serve exactly the key, tenant
and time they were issued for, to a client without an API key, and nothing else."""

from __future__ import annotations

import hashlib
import urllib.parse
import uuid

import asyncpg
import httpx

from tests.gateway.conftest import new_key
from tests.gateway.fakes import png_bytes
from tests.gateway.stack import Stack


async def upload(client: httpx.AsyncClient, data: bytes) -> dict:
    response = await client.post("/api/v1/assets", files={"file": ("a.png", data, "image/png")})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def signed_link(client: httpx.AsyncClient, asset: dict) -> str:
    redirect = await client.get(asset["links"]["download"], params={"mode": "redirect"})
    assert redirect.status_code == 307, redirect.text
    location = redirect.headers["location"]
    assert location.startswith("/files/")
    return location


def altered(link: str, **changes: str) -> str:
    path, _, query = link.partition("?")
    params = dict(urllib.parse.parse_qsl(query))
    path = changes.pop("path", path)
    params.update(changes)
    return f"{path}?{urllib.parse.urlencode(params)}"


def param(link: str, name: str) -> str:
    return dict(urllib.parse.parse_qsl(link.partition("?")[2]))[name]


async def test_a_signed_link_serves_its_asset_without_an_api_key(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    data = png_bytes(24)
    asset = await upload(client, data)
    link = await signed_link(client, asset)
    response = await anonymous.get(link)
    assert response.status_code == 200, response.text
    assert response.content == data
    assert response.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert int(param(link, "expires")) > 0


async def test_forged_altered_and_re_pointed_links_are_refused(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: Stack
) -> None:
    mine = await upload(client, png_bytes(20))
    link = await signed_link(client, mine)
    other_key = await new_key(stack, "other tenant")
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": other_key}) as other:
        theirs = await upload(other, png_bytes(28, color=(0, 0, 200)))
        their_link = await signed_link(other, theirs)

    signature = param(link, "signature")
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]
    attempts = {
        "forged signature": altered(link, signature=forged),
        "later expiry": altered(link, expires=str(int(param(link, "expires")) + 86400)),
        "another tenant named": altered(link, tenant=param(their_link, "tenant")),
        "re-pointed at another tenant's file": altered(link, path=their_link.partition("?")[0]),
        "re-pointed at a sibling path": altered(link, path=link.partition("?")[0] + "x"),
    }
    for what, url in attempts.items():
        response = await anonymous.get(url)
        assert response.status_code == 403, f"{what}: {response.status_code} {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "not valid" in response.json()["detail"], what


async def test_expired_and_revoked_links_are_refused(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: Stack
) -> None:
    from studio.gateway.signed_links import download_url

    asset = await upload(client, png_bytes(16))
    assert stack.gateway is not None
    tenant = uuid.UUID(hex=param(await signed_link(client, asset), "tenant"))
    stored = stack.call(
        stack.gateway.pool.fetchval("SELECT key FROM media_assets WHERE id = $1", uuid.UUID(asset["id"]))
    )
    expired = stack.call(download_url(stack.gateway, stored, tenant, -1))
    response = await anonymous.get(expired)
    assert response.status_code == 403 and "expired" in response.json()["detail"]

    live = await signed_link(client, asset)
    assert (await anonymous.get(live)).status_code == 200
    assert stack.settings is not None
    conn = await asyncpg.connect(stack.settings.database_url)
    try:
        await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", tenant)
    finally:
        await conn.close()
    response = await anonymous.get(live)
    assert response.status_code == 403 and "revoked" in response.json()["detail"]


async def test_nothing_can_be_listed_or_fetched_without_a_link(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    asset = await upload(client, png_bytes(12))
    path = (await signed_link(client, asset)).partition("?")[0]
    folder, _, leaf = path.rpartition("/")
    for url in ("/files", "/files/", "/files/uploads/", f"{folder}/", f"{folder}/?expires=1&tenant=x"):
        response = await anonymous.get(url)
        assert response.status_code in (400, 403, 404, 405), f"{url}: {response.status_code}"
        assert leaf not in response.text, f"{url} named a stored file"
    for url in (path, f"{path}?expires=9999999999"):
        response = await anonymous.get(url)
        assert response.status_code == 400 and b"PNG" not in response.content, url
