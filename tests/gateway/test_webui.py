"""The gateway serves the built web studio at /: files by name (hashed ones cached for a year),
index.html for the app's own routes, and never the app for the API's paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.gateway.stack import Stack

INDEX = "<!doctype html><title>studio</title>"


@pytest.fixture
def web_dir(stack: Stack, tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('app')")
    (tmp_path / "favicon.svg").write_text("<svg/>")
    (tmp_path.parent / "secret.txt").write_text("outside the build")
    with stack.overridden(web_dir=str(tmp_path)):
        yield tmp_path


async def test_app_routes_get_index_html_uncached(anonymous: httpx.AsyncClient, web_dir: Path) -> None:
    for path in ("/", "/projects/123", "/audio", "/sign-in", "/metricsx"):
        response = await anonymous.get(path)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["content-type"].startswith("text/html")


async def test_hashed_assets_are_immutable_and_typed(anonymous: httpx.AsyncClient, web_dir: Path) -> None:
    script = await anonymous.get("/assets/index-abc123.js")
    assert script.status_code == 200 and script.text == "console.log('app')"
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert script.headers["content-type"].startswith("text/javascript")
    icon = await anonymous.get("/favicon.svg")
    assert icon.headers["content-type"].startswith("image/svg+xml") and icon.headers["cache-control"] == "no-cache"


async def test_a_missing_asset_or_a_path_outside_the_build_is_never_served(
    anonymous: httpx.AsyncClient, web_dir: Path
) -> None:
    for path in ("/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt"):
        response = await anonymous.get(path)
        assert "outside the build" not in response.text, path
    # a chunk of an older build is a 404, never index.html served as a script
    for path in ("/assets/index-old999.js", "/favicon.ico"):
        response = await anonymous.get(path)
        assert response.status_code == 404 and INDEX not in response.text, path


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/nope", "/v1/nope", "/docs/nope", "/metrics/x", "/healthz/x", "/readyz/x"]
)
async def test_api_paths_never_fall_back_to_the_app(anonymous: httpx.AsyncClient, web_dir: Path, path: str) -> None:
    response = await anonymous.get(path)
    assert response.status_code in (401, 404), path
    assert INDEX not in response.text


async def test_the_api_and_probes_still_answer_as_before(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient, web_dir: Path
) -> None:
    assert (await anonymous.get("/healthz")).json() == {"status": "ok"}
    assert (await anonymous.get("/docs/openapi.json")).json()["openapi"].startswith("3.1")
    assert (await anonymous.get("/api/v1/jobs")).status_code == 401
    assert (await client.get("/api/v1/jobs")).status_code == 200
    assert (await client.post("/api/v1/nope", json={})).status_code == 404
    # other methods on paths the app would answer with GET are 404 too, as without the app
    assert (await client.post("/nowhere/api/v1/image/generate", json={})).status_code == 404
    assert (await client.delete("/projects/1")).status_code == 404
    # a method an API route does not take is still a 405, not the app
    assert (await client.put("/api/v1/jobs/00000000-0000-0000-0000-000000000000")).status_code == 405


async def test_without_a_build_the_root_says_how_to_make_one(
    anonymous: httpx.AsyncClient, stack: Stack, tmp_path: Path
) -> None:
    with stack.overridden(web_dir=str(tmp_path / "missing")):
        response = await anonymous.get("/")
    assert response.status_code == 404
    assert "make install" in response.json()["detail"]
