"""Downloads from S3 (moto's server on loopback) redirect to presigned URLs; model listings over gRPC."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from studio.core.artifacts.s3 import S3ArtifactStore
from tests.gateway.fakes import png_bytes
from tests.gateway.stack import Stack


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


async def test_s3_downloads_redirect_to_presigned_urls(client: httpx.AsyncClient, stack: Stack, moto_url: str) -> None:
    store = S3ArtifactStore(moto_url, "test-key", "test-secret", "studio-gateway")
    await store.check()
    assert stack.gateway is not None
    local = stack.gateway.artifacts
    stack.gateway.artifacts = store
    try:
        with stack.overridden(artifacts="s3"):
            data = png_bytes(32)
            asset = (await client.post("/api/v1/assets", files={"file": ("a.png", data, "image/png")})).json()
            redirect = await client.get(asset["links"]["download"])
            assert redirect.status_code == 307
            location = redirect.headers["location"]
            assert location.startswith(moto_url) and "X-Amz-Signature" in location
            assert httpx.get(location, timeout=10).content == data  # no API key needed for the presigned URL
            streamed = await client.get(asset["links"]["download"], params={"mode": "stream"})
            assert streamed.status_code == 200 and streamed.content == data
    finally:
        stack.gateway.artifacts = local


async def test_model_listings_come_from_the_model_servers(client: httpx.AsyncClient) -> None:
    listing = (await client.get("/api/v1/models")).json()
    assert [m["name"] for m in listing["models"]] == ["fake-tts"]
    assert listing["models"][0]["service"] == "audio" and listing["models"][0]["installed"] is True
    # the fake image and video servers have no listing RPC: reported, not a 500
    assert set(listing["unavailable"]) == {"image", "video"}
    only_audio = (await client.get("/api/v1/models", params={"service": "audio"})).json()
    assert only_audio["unavailable"] == {}
