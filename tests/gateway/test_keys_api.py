"""The account's API keys: a key made by a key joins its account (one tenant, several keys), a web UI
token cannot make keys, revoking is immediate and never deletes, and another account sees nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from studio.gateway.db.migrate import migration_files
from studio.gateway.db.pool import connect
from tests.gateway.conftest import new_key
from tests.gateway.fakes import png_bytes
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem
from tests.gateway.test_signed_links import param, signed_link, upload


def as_key(stack: Stack, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=stack.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


async def make_key(client: httpx.AsyncClient, name: str) -> dict:
    response = await client.post("/api/v1/keys", json={"name": name})
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
async def second(stack: Stack, client: httpx.AsyncClient) -> AsyncIterator[tuple[dict, httpx.AsyncClient]]:
    """Key B, made with the test's key A: the same account."""
    created = await make_key(client, "laptop")
    async with as_key(stack, created["key"]) as http:
        yield created, http


@pytest.fixture
async def stranger(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A key of another account."""
    async with as_key(stack, await new_key(stack, "stranger")) as http:
        yield http


async def test_a_key_made_by_a_key_shares_the_account(
    client: httpx.AsyncClient, second: tuple[dict, httpx.AsyncClient], stranger: httpx.AsyncClient
) -> None:
    created, b = second
    assert created["key"].startswith("sk_studio_") and created["key"].startswith(created["prefix"])
    assert created["name"] == "laptop" and created["revoked_at"] is None and created["current"] is False

    # what key A makes, key B sees (and the other way round); another account gets a 404
    project = (await client.post("/api/v1/studio/create-project", json={"name": "shared"})).json()
    assert (await b.get(f"/api/v1/studio/projects/{project['id']}")).status_code == 200
    assert_problem(await stranger.get(f"/api/v1/studio/projects/{project['id']}"), 404)
    hook = await b.post("/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook"})
    assert hook.status_code == 201, hook.text
    assert [w["id"] for w in (await client.get("/api/v1/webhooks")).json()] == [hook.json()["id"]]
    assert (await stranger.get("/api/v1/webhooks")).json() == []

    # one account: one id and one signing secret; each key knows which it is
    account_a, account_b = (await client.get("/api/v1/account")).json(), (await b.get("/api/v1/account")).json()
    assert account_a["id"] == account_b["id"] and account_a["webhook_secret"] == account_b["webhook_secret"]
    assert account_b["key_id"] == created["id"] and account_a["key_id"] == account_a["id"]
    assert account_b["name"] == "laptop"

    # both list the account's two keys, newest first, each marking the key in use
    listed_a, listed_b = (await client.get("/api/v1/keys")).json(), (await b.get("/api/v1/keys")).json()
    assert [k["id"] for k in listed_a] == [created["id"], account_a["id"]] == [k["id"] for k in listed_b]
    assert [k["current"] for k in listed_a] == [False, True] and [k["current"] for k in listed_b] == [True, False]
    assert all("key" not in k or k["key"] is None for k in listed_a)  # shown once only
    assert listed_b[0]["last_used_at"] is not None  # B was just used
    assert [k["id"] for k in (await stranger.get("/api/v1/keys")).json()] != [k["id"] for k in listed_a]
    assert created["id"] not in {k["id"] for k in (await stranger.get("/api/v1/keys")).json()}


async def test_revoking_is_immediate_keeps_the_row_and_the_accounts_work(
    stack: Stack, client: httpx.AsyncClient, second: tuple[dict, httpx.AsyncClient], stranger: httpx.AsyncClient
) -> None:
    with stack.overridden(auth_cache_seconds=300):  # revoking must not wait for the cache
        await _revoke_and_check(client, second, stranger)


async def _revoke_and_check(
    client: httpx.AsyncClient, second: tuple[dict, httpx.AsyncClient], stranger: httpx.AsyncClient
) -> None:
    created, b = second
    token = (await b.post("/api/v1/auth/token")).json()["access_token"]
    b_token = {"Authorization": f"Bearer {token}"}
    assert (await b.get("/api/v1/jobs", headers=b_token)).status_code == 200
    project = (await b.post("/api/v1/studio/create-project", json={"name": "made by B"})).json()

    # another account cannot revoke it, nor tell it exists
    assert_problem(await stranger.delete(f"/api/v1/keys/{created['id']}"), 404)
    assert (await b.get("/api/v1/jobs")).status_code == 200

    assert (await client.delete(f"/api/v1/keys/{created['id']}")).status_code == 204
    # refused at once (the gateway forgets what it knew of the key), it and its tokens, saying why
    for headers in ({}, b_token):
        body = assert_problem(await b.get("/api/v1/jobs", headers=headers), 401)
        assert body["reason"] == "revoked" and "revoked" in body["detail"]
    # still listed, with when; what B made is still the account's
    listed = {k["id"]: k for k in (await client.get("/api/v1/keys")).json()}
    assert listed[created["id"]]["revoked_at"] is not None
    assert (await client.get(f"/api/v1/studio/projects/{project['id']}")).status_code == 200
    # revoking again changes nothing
    assert (await client.delete(f"/api/v1/keys/{created['id']}")).status_code == 204
    again = {k["id"]: k for k in (await client.get("/api/v1/keys")).json()}
    assert again[created["id"]]["revoked_at"] == listed[created["id"]]["revoked_at"]


async def test_revoking_the_key_in_use_is_allowed(stack: Stack, client: httpx.AsyncClient) -> None:
    other = await make_key(client, "spare")
    me = (await client.get("/api/v1/account")).json()["key_id"]
    assert (await client.delete(f"/api/v1/keys/{me}")).status_code == 204
    assert assert_problem(await client.get("/api/v1/keys"), 401)["reason"] == "revoked"
    async with as_key(stack, other["key"]) as spare:
        listed = {k["id"]: k for k in (await spare.get("/api/v1/keys")).json()}
        assert listed[me]["revoked_at"] is not None and listed[other["id"]]["current"] is True


async def test_a_web_ui_token_cannot_make_keys(client: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    token = (await client.post("/api/v1/auth/token")).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = assert_problem(await anonymous.post("/api/v1/keys", json={"name": "x"}, headers=headers), 403)
    assert "only an API key can make API keys" in body["detail"]
    # but it lists them, marking the key it was issued for
    listed = (await anonymous.get("/api/v1/keys", headers=headers)).json()
    assert len(listed) == 1 and listed[0]["current"] is True
    assert len((await client.get("/api/v1/keys")).json()) == 1  # nothing was made


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "a\x00b"}, "NUL"),
        ({"name": "line\nbreak"}, "name: must hold a visible character and no control characters"),
        ({"name": "x" * 101}, "name"),
        ({}, "name"),
        ({"name": "ok", "tenant_id": str(uuid.uuid4())}, "tenant_id"),
    ],
)
async def test_bad_key_requests_are_400_and_make_nothing(client: httpx.AsyncClient, body: dict, says: str) -> None:
    assert says in assert_problem(await client.post("/api/v1/keys", json=body), 400)["detail"]
    assert len((await client.get("/api/v1/keys")).json()) == 1


async def test_unknown_key_ids_are_404(client: httpx.AsyncClient) -> None:
    for key_id in ("not-a-uuid", str(uuid.uuid4())):
        assert "not found" in assert_problem(await client.delete(f"/api/v1/keys/{key_id}"), 404)["detail"]


async def test_signed_links_live_while_any_key_of_the_account_does(
    client: httpx.AsyncClient, second: tuple[dict, httpx.AsyncClient], anonymous: httpx.AsyncClient
) -> None:
    created, b = second
    asset = await upload(client, png_bytes(16))
    link = await signed_link(client, asset)
    me = (await client.get("/api/v1/account")).json()
    assert param(link, "tenant") == uuid.UUID(me["id"]).hex
    assert (await client.delete(f"/api/v1/keys/{me['key_id']}")).status_code == 204
    assert (await anonymous.get(link)).status_code == 200  # B still stands for the account
    assert (await b.delete(f"/api/v1/keys/{created['id']}")).status_code == 204
    response = await anonymous.get(link)
    assert response.status_code == 403 and "revoked" in response.json()["detail"]


def test_the_migration_makes_each_existing_key_its_own_account(database_factory: object) -> None:
    url: str = database_factory()  # type: ignore[operator]
    asyncio.run(_migrate_keys_made_before_accounts(url))


async def _migrate_keys_made_before_accounts(url: str) -> None:
    conn = await connect(url)
    try:
        for path in migration_files():
            if path.name.startswith("0005_"):
                break
            await conn.execute(path.read_text())
        key_ids = [uuid.uuid4(), uuid.uuid4()]
        for index, key_id in enumerate(key_ids):
            await conn.execute(
                "INSERT INTO api_keys (id, name, prefix, key_hash, webhook_secret) VALUES ($1, 'old', 'sk', $2, 'w')",
                key_id,
                f"hash{index}",
            )
        await conn.execute(next(p for p in migration_files() if p.name.startswith("0005_")).read_text())
        rows = await conn.fetch("SELECT id, tenant_id FROM api_keys")
        assert {(r["id"], r["tenant_id"]) for r in rows} == {(k, k) for k in key_ids}
        with pytest.raises(asyncpg.NotNullViolationError):
            await conn.execute(
                "INSERT INTO api_keys (id, name, prefix, key_hash, webhook_secret) VALUES ($1, 'n', 'sk', 'h', 'w')",
                uuid.uuid4(),
            )
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await conn.execute(
                "INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, webhook_secret) "
                "VALUES ($1, $2, 'n', 'sk', 'h', 'w')",
                uuid.uuid4(),
                uuid.uuid4(),
            )
    finally:
        await conn.close()
