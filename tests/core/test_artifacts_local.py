from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from studio.core.artifacts.base import CHUNK, ArtifactChanged, check_recorded
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.errors import FailedPrecondition, InvalidInput, NotFound


async def test_round_trip_with_checksum(artifacts: LocalArtifactStore, tmp_path: Path) -> None:
    data = b"\x00\x01" * 300_000
    ref = await artifacts.put_bytes("runs/a/sample.wav", data)
    assert ref.size == len(data)
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    assert ref.content_type == "audio/x-wav" or ref.content_type.startswith("audio/")
    assert await artifacts.get_bytes(ref) == data
    stat = await artifacts.stat("runs/a/sample.wav")
    assert stat.sha256 == ref.sha256 and stat.size == ref.size
    dest = await artifacts.download(ref, tmp_path / "copy.wav")
    assert dest.read_bytes() == data
    url = await artifacts.presigned_get_url(ref.key)
    assert url.startswith("file://")


async def test_missing_and_deleted(artifacts: LocalArtifactStore) -> None:
    with pytest.raises(NotFound):
        await artifacts.stat("nope/x.png")
    ref = await artifacts.put_bytes("k/x.txt", b"hello")
    assert await artifacts.exists(ref.key)
    await artifacts.delete(ref.key)
    assert not await artifacts.exists(ref.key)
    await artifacts.delete(ref.key)  # idempotent


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs/path", "a/../../b", "a//b", "", "a/./b", "x" * 2000])
async def test_keys_cannot_escape_the_store(artifacts: LocalArtifactStore, key: str) -> None:
    with pytest.raises(InvalidInput, match="invalid artifact key"):
        await artifacts.put_bytes(key, b"x")


async def test_failed_upload_leaves_nothing(artifacts: LocalArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await artifacts.put_file("k/missing.bin", tmp_path / "does-not-exist")
    assert not await artifacts.exists("k/missing.bin")
    leftovers = [p for p in artifacts.root.rglob("*") if p.is_file() and ".probe" not in p.name]
    assert leftovers == []


async def test_a_stored_key_is_never_overwritten(artifacts: LocalArtifactStore) -> None:
    first = await artifacts.put_bytes("runs/job/1/out.wav", b"first take")
    assert await artifacts.put_bytes("runs/job/1/out.wav", b"first take") == first  # the same bytes: a no-op
    with pytest.raises(FailedPrecondition, match="write-once"):
        await artifacts.put_bytes("runs/job/1/out.wav", b"another take")
    assert await artifacts.get_bytes(first) == b"first take"
    assert await artifacts.stat(first.key) == first
    leftovers = [p.name for p in (artifacts.root / "studio/runs/job/1").iterdir()]
    assert leftovers == ["out.wav"]  # the refused write left no temporary file


async def test_of_concurrent_writers_of_one_key_exactly_one_wins(artifacts: LocalArtifactStore) -> None:
    takes = [bytes([n]) * 200_000 for n in range(8)]
    outcomes = await asyncio.gather(
        *(artifacts.put_bytes("runs/raced/1/out.bin", take) for take in takes), return_exceptions=True
    )
    won = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(won) == 1 and all(isinstance(o, FailedPrecondition) for o in outcomes if o is not won[0])
    stored = await artifacts.get_bytes("runs/raced/1/out.bin")
    assert stored in takes and hashlib.sha256(stored).hexdigest() == won[0].sha256


async def test_a_byte_range_is_read_from_its_offset(artifacts: LocalArtifactStore) -> None:
    data = bytes(range(256)) * 9_000  # over two chunks
    ref = await artifacts.put_bytes("runs/r/film.mp4", data)
    start = CHUNK + 7
    part = b"".join([chunk async for chunk in artifacts.iter_range(ref.key, start, 1000)])
    assert part == data[start : start + 1000]
    assert b"".join([chunk async for chunk in artifacts.iter_range(ref.key, 0, 3)]) == data[:3]


async def test_keys_under_a_prefix_and_removing_them(artifacts: LocalArtifactStore) -> None:
    for key in ("runs/j/1/a.wav", "runs/j/1/provider/b.mp4", "runs/j/2/a.wav", "runs/k/1/a.wav"):
        await artifacts.put_bytes(key, key.encode())
    assert await artifacts.keys("runs/j/") == ["runs/j/1/a.wav", "runs/j/1/provider/b.mp4", "runs/j/2/a.wav"]
    assert await artifacts.keys("runs/nothing/") == []
    assert await artifacts.delete_under("runs/j/1/") == ["runs/j/1/a.wav", "runs/j/1/provider/b.mp4"]
    assert await artifacts.keys("runs/") == ["runs/j/2/a.wav", "runs/k/1/a.wav"]
    with pytest.raises(InvalidInput):
        await artifacts.keys("../")


async def test_verified_reads_hold_back_the_end_of_a_file_that_changed(artifacts: LocalArtifactStore) -> None:
    data = bytes(range(256)) * 8192  # 2 MiB: more than one chunk
    ref = await artifacts.put_bytes("runs/v/1/clip.bin", data)
    assert b"".join([c async for c in artifacts.iter_verified(ref.key, ref.size, ref.sha256)]) == data
    check_recorded(await artifacts.stat(ref.key), ref.size, ref.sha256)
    artifacts.path_of(ref.key).write_bytes(data[:-1] + b"x")  # same size, other bytes, metadata untouched
    sent: list[bytes] = []
    with pytest.raises(ArtifactChanged, match="sha256 differs"):
        async for chunk in artifacts.iter_verified(ref.key, ref.size, ref.sha256):
            sent.append(chunk)
    assert 0 < sum(map(len, sent)) < ref.size  # cut short: the last chunk never went out
    with pytest.raises(ArtifactChanged, match="recorded"):
        check_recorded(await artifacts.stat(ref.key), ref.size + 1, ref.sha256)
    with pytest.raises(ArtifactChanged, match="more than"):
        async for _ in artifacts.iter_verified(ref.key, ref.size - 10, ""):
            pass
