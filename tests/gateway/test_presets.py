"""User presets on the server: one account's (any of its keys), 404 to another account, and every bad
input refused with a clear 4xx that leaves nothing behind."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.gateway.conftest import new_key
from tests.gateway.stack import Stack
from tests.gateway.test_keys_api import as_key, make_key
from tests.gateway.test_security import assert_problem

KINDS = ["project", "image", "speech", "music", "animate", "avatar"]
IMAGE_VALUES = {
    "prompt": "uma raposa em aquarela, luz dourada",
    "size": {"width": 1344, "height": 768},
    "steps": 28,
    "guidance": 3.5,
    "seed": None,
    "loras": [],
}


def preset(**changes: object) -> dict:
    return {"name": "Aquarela 16:9", "kind": "image", "tags": ["aquarela", "16:9"], "values": IMAGE_VALUES, **changes}


async def listed(client: httpx.AsyncClient, **params: str) -> list[dict]:
    response = await client.get("/api/v1/presets", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


@pytest.fixture
async def stranger(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with as_key(stack, await new_key(stack, "stranger")) as http:
        yield http


async def test_a_preset_is_the_accounts_across_its_keys(
    stack: Stack, client: httpx.AsyncClient, stranger: httpx.AsyncClient
) -> None:
    response = await client.post("/api/v1/presets", json=preset())
    assert response.status_code == 201, response.text
    saved = response.json()
    assert {k: saved[k] for k in ("name", "kind", "tags", "values")} == {
        k: preset()[k] for k in ("name", "kind", "tags", "values")
    }
    uuid.UUID(saved["id"])
    assert saved["created_at"]

    async with as_key(stack, (await make_key(client, "second"))["key"]) as b:
        assert await listed(b) == [saved]  # key B of the same account sees what key A saved
        assert await listed(stranger) == []
        assert_problem(await stranger.delete(f"/api/v1/presets/{saved['id']}"), 404)
        assert (await b.delete(f"/api/v1/presets/{saved['id']}")).status_code == 204
    assert await listed(client) == []
    assert_problem(await client.delete(f"/api/v1/presets/{saved['id']}"), 404)


async def test_presets_are_listed_newest_first_and_by_kind(client: httpx.AsyncClient) -> None:
    names = []
    for kind in KINDS:
        body = preset(name=f"my {kind}", kind=kind, values={"note": kind}, tags=[])
        assert (await client.post("/api/v1/presets", json=body)).status_code == 201
        names.append(f"my {kind}")
    assert [p["name"] for p in await listed(client)] == names[::-1]
    assert [p["name"] for p in await listed(client, kind="speech")] == ["my speech"]
    assert [p["name"] for p in await listed(client, limit="2", offset="1")] == names[::-1][1:3]
    detail = assert_problem(await client.get("/api/v1/presets", params={"kind": "sound"}), 400)["detail"]
    assert "'sound' is not a preset kind" in detail and ", ".join(KINDS) in detail


async def test_tags_are_trimmed_and_deduplicated(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/presets", json=preset(name="  spaced  ", tags=[" a ", "b", "a"]))
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "spaced" and response.json()["tags"] == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (preset(kind="sound"), 400, "kind: 'sound' is not a preset kind; accepted: project, image, speech"),
        (preset(values=["not", "an", "object"]), 400, "values"),
        (preset(values="prompt=x"), 400, "values"),
        (preset(values={"prompt": "x" * 70_000}), 413, "at most 65536 (64 kB)"),
        (preset(values={"prompt": "a\x00b"}), 400, "values.prompt: must not contain NUL characters"),
        (preset(values={"deep": [{"k\x00": 1}]}), 400, "values.deep[0] (a key): must not contain NUL characters"),
        (preset(name="a\x00b"), 400, "name: must not contain NUL characters"),
        (preset(name="two\nlines"), 400, "name: must hold a visible character and no control characters"),
        (preset(name="   "), 400, "name: must hold a visible character"),
        (preset(name="x" * 101), 400, "name"),
        (preset(tags=[""]), 400, "tags"),
        (preset(tags=["ok", "a\x00"]), 400, "tags[1]: must not contain NUL characters"),
        (preset(tags=["ok", "\x85"]), 400, "tags[1]: must hold a visible character and no control characters"),
        (preset(tags=[f"t{i}" for i in range(21)]), 400, "tags"),
        ({k: v for k, v in preset().items() if k != "values"}, 400, "values"),
        ({k: v for k, v in preset().items() if k != "kind"}, 400, "kind"),
        (preset(colour="blue"), 400, "colour"),
    ],
)
async def test_bad_presets_are_refused_and_nothing_is_kept(
    client: httpx.AsyncClient, body: dict, status: int, says: str
) -> None:
    assert says in assert_problem(await client.post("/api/v1/presets", json=body), status)["detail"]
    assert await listed(client) == []


async def test_values_at_the_limit_are_kept_whole(client: httpx.AsyncClient) -> None:
    overhead = len('{"prompt":""}')
    values = {"prompt": "é" * ((64 * 1024 - overhead) // 2)}  # two bytes each in UTF-8
    response = await client.post("/api/v1/presets", json=preset(values=values))
    assert response.status_code == 201, response.text
    assert (await listed(client))[0]["values"] == values


async def test_unknown_preset_ids_are_404(client: httpx.AsyncClient) -> None:
    for preset_id in ("not-a-uuid", str(uuid.uuid4())):
        assert "not found" in assert_problem(await client.delete(f"/api/v1/presets/{preset_id}"), 404)["detail"]
