"""Artifacts in a local directory (embedded mode, single-machine setups)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from studio.core.artifacts.base import CHUNK, ArtifactStore, check_key, guess_content_type, sha256_file, unchanged
from studio.core.errors import ConfigError, NotFound
from studio.v1.common_pb2 import ArtifactRef

_META = ".meta"


def _temporary_beside(path: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    return Path(name)


class LocalArtifactStore(ArtifactStore):
    """Objects are files under `root/<bucket>/`; metadata sits in a parallel `.meta/` tree."""

    def __init__(self, root: Path, bucket: str = "studio") -> None:
        self.root = Path(root).resolve()
        self.bucket = bucket
        self._base = self.root / bucket

    def _path(self, key: str) -> Path:
        return self._base / check_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / _META / self.bucket / f"{check_key(key)}.json"

    def path_of(self, ref: ArtifactRef | str) -> Path:
        """The local file behind an artifact (embedded mode reads it in place)."""
        key = ref if isinstance(ref, str) else ref.key
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"artifact {key!r} not found")
        return path

    async def check(self) -> None:
        try:
            self._base.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self._base, prefix=".probe-"):
                pass
        except OSError as error:
            raise ConfigError(f"artifact directory {self._base} is not writable: {error.strerror}") from None

    async def put_file(self, key: str, path: Path, content_type: str = "") -> ArtifactRef:
        return await asyncio.to_thread(self._put_file, key, Path(path), content_type)

    async def put_bytes(self, key: str, data: bytes, content_type: str = "") -> ArtifactRef:
        """Written straight beside its destination: no spool file to write, copy and hash again."""
        return await asyncio.to_thread(self._put_bytes, key, data, content_type)

    def _put_bytes(self, key: str, data: bytes, content_type: str) -> ArtifactRef:
        ref = ArtifactRef(
            bucket=self.bucket,
            key=key,
            content_type=content_type or guess_content_type(key),
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
        return self._place(key, ref, lambda tmp: tmp.write_bytes(data))

    def _put_file(self, key: str, source: Path, content_type: str) -> ArtifactRef:
        ref = ArtifactRef(
            bucket=self.bucket,
            key=key,
            content_type=content_type or guess_content_type(key),
            size=source.stat().st_size,
            sha256=sha256_file(source),
        )
        return self._place(key, ref, lambda tmp: shutil.copyfile(source, tmp))

    def _place(self, key: str, ref: ArtifactRef, fill: Callable[[Path], object]) -> ArtifactRef:
        """Fill a temporary file beside the key's path, then link it there (write-once), then its metadata."""
        dest = self._path(key)
        meta_path = self._meta_path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = _temporary_beside(dest)
        try:
            fill(tmp)
            try:
                # A hard link appears complete or not at all and, unlike a rename, never replaces a file:
                # of two writers of one key exactly one wins, and readers never see a file change.
                os.link(tmp, dest)
            except FileExistsError:
                return unchanged(self._stat(key), ref)
            self._write_meta(meta_path, ref)
        finally:
            tmp.unlink(missing_ok=True)
        return ref

    @staticmethod
    def _write_meta(meta_path: Path, ref: ArtifactRef) -> None:
        """Until the metadata lands, `stat` hashes the file itself: a crash here loses nothing."""
        tmp = _temporary_beside(meta_path)
        try:
            tmp.write_text(json.dumps({"content_type": ref.content_type, "sha256": ref.sha256}))
            tmp.replace(meta_path)
        finally:
            tmp.unlink(missing_ok=True)

    async def stat(self, key: str) -> ArtifactRef:
        return await asyncio.to_thread(self._stat, key)

    def _stat(self, key: str) -> ArtifactRef:
        path = self.path_of(key)
        meta_path = self._meta_path(key)
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text())
        else:  # written by hand into the directory
            meta = {"content_type": guess_content_type(key), "sha256": sha256_file(path)}
        return ArtifactRef(
            bucket=self.bucket,
            key=key,
            content_type=meta["content_type"],
            size=path.stat().st_size,
            sha256=meta["sha256"],
        )

    async def iter_bytes(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        with path.open("rb") as handle:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk

    async def iter_range(self, key: str, start: int, length: int) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        with path.open("rb") as handle:
            handle.seek(start)
            left = length
            while left > 0 and (chunk := await asyncio.to_thread(handle.read, min(CHUNK, left))):
                left -= len(chunk)
                yield chunk

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)

    async def keys(self, prefix: str) -> list[str]:
        return await asyncio.to_thread(self._keys, prefix)

    def _keys(self, prefix: str) -> list[str]:
        folder = self._path(prefix.rstrip("/"))
        if not folder.is_dir():
            return []
        return sorted(
            path.relative_to(self._base).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and not path.name.startswith(".")  # temporaries of writes under way
        )

    async def presigned_get_url(self, key: str, expires_seconds: int = 3600) -> str:
        return self.path_of(key).as_uri()
