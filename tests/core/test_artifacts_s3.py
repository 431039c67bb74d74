"""The S3 store against a real S3 HTTP endpoint (moto's server on loopback)."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from studio.core.artifacts.base import CHUNK
from studio.core.artifacts.s3 import S3ArtifactStore
from studio.core.errors import ConfigError, FailedPrecondition, NotFound


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto(env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
            return proc, f"http://127.0.0.1:{port}"
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("moto server did not start")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    proc, url = start_moto()
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
async def store(s3_endpoint: str) -> S3ArtifactStore:
    s = S3ArtifactStore(s3_endpoint, "test-key", "test-secret", "studio-test")
    await s.check()
    return s


async def test_streaming_round_trip(store: S3ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "clip.mp4"
    data = bytes(range(256)) * 40_000  # ~10 MB: several multipart chunks
    source.write_bytes(data)
    ref = await store.put_file("runs/r1/clip.mp4", source)
    assert ref.bucket == "studio-test"
    assert ref.content_type == "video/mp4"
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    stat = await store.stat(ref.key)
    assert (stat.size, stat.sha256) == (len(data), ref.sha256)
    dest = await store.download(ref, tmp_path / "back.mp4")
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == ref.sha256


async def test_presigned_url_serves_the_object(store: S3ArtifactStore) -> None:
    ref = await store.put_bytes("runs/r2/poster.png", b"\x89PNG fake bytes")
    url = await store.presigned_get_url(ref.key, expires_seconds=60)
    assert "X-Amz-Signature" in url
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == b"\x89PNG fake bytes"


async def test_missing_object_is_not_found(store: S3ArtifactStore) -> None:
    with pytest.raises(NotFound):
        await store.stat("runs/none/x.wav")
    with pytest.raises(NotFound):
        await store.get_bytes("runs/none/x.wav")
    with pytest.raises(NotFound):
        await store.presigned_get_url("runs/none/x.wav")


async def test_a_stored_key_is_never_overwritten(store: S3ArtifactStore) -> None:
    first = await store.put_bytes("runs/r4/1/out.wav", b"first take")
    assert await store.put_bytes("runs/r4/1/out.wav", b"first take") == first  # the same bytes: a no-op
    with pytest.raises(FailedPrecondition, match="write-once"):
        await store.put_bytes("runs/r4/1/out.wav", b"another take")
    assert await store.get_bytes(first) == b"first take"


async def test_delete(store: S3ArtifactStore) -> None:
    ref = await store.put_bytes("runs/r3/a.txt", b"a")
    await store.delete(ref.key)
    assert not await store.exists(ref.key)


async def test_unreachable_endpoint_is_a_config_error() -> None:
    s = S3ArtifactStore(f"http://127.0.0.1:{free_port()}", "k", "s", "studio")
    with pytest.raises(ConfigError, match="cannot reach S3"):
        await s.check()


async def test_invalid_bucket_name_is_a_config_error(s3_endpoint: str) -> None:
    s = S3ArtifactStore(s3_endpoint, "k", "s", "B_")
    with pytest.raises(ConfigError, match="STUDIO_S3_BUCKET"):
        await s.check()


async def test_wrong_credentials_are_a_config_error() -> None:
    import os

    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="0")  # moto then checks access keys
    proc, url = start_moto(env)
    try:
        s = S3ArtifactStore(url, "wrong-key", "wrong-secret", "studio")
        with pytest.raises(ConfigError, match="refused bucket") as caught:
            await s.check()
        assert "STUDIO_S3_ACCESS_KEY" in caught.value.message
    finally:
        proc.terminate()
        proc.wait(10)


async def test_a_byte_range_across_chunks(store: S3ArtifactStore) -> None:
    """The default `iter_range` (read through, skipping): what a Range answer streams from S3."""
    data = bytes(range(256)) * 12_000  # ~3 MB: three chunks
    ref = await store.put_bytes("runs/r6/film.mp4", data)
    start = CHUNK - 10  # starts in the first chunk, ends in the third
    part = b"".join([chunk async for chunk in store.iter_range(ref.key, start, CHUNK + 20)])
    assert part == data[start : start + CHUNK + 20]
    tail = b"".join([chunk async for chunk in store.iter_range(ref.key, len(data) - 5, 100)])
    assert tail == data[-5:]


async def test_keys_under_a_prefix_and_removing_them(store: S3ArtifactStore) -> None:
    prefix = f"runs/{uuid.uuid4().hex}"
    for key in (f"{prefix}/1/a.wav", f"{prefix}/1/provider/b.mp4", f"{prefix}/2/a.wav"):
        await store.put_bytes(key, key.encode())
    assert await store.keys(f"{prefix}/") == [f"{prefix}/1/a.wav", f"{prefix}/1/provider/b.mp4", f"{prefix}/2/a.wav"]
    assert await store.delete_under(f"{prefix}/1/") == [f"{prefix}/1/a.wav", f"{prefix}/1/provider/b.mp4"]
    assert await store.keys(f"{prefix}/") == [f"{prefix}/2/a.wav"]
