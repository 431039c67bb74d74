"""The artifact store interface.

Services exchange artifacts by `studio.v1.ArtifactRef`; this is the only way
code reads or writes them. Writes are atomic: a failed upload leaves nothing.
Artifacts are write-once: once a key holds bytes that a job or an asset may have
recorded (with their size and sha256), nothing replaces them. Writing the same bytes
again is a no-op; writing other bytes is refused.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.v1.common_pb2 import ArtifactRef

CHUNK = 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]{0,1000}$")

mimetypes.add_type("audio/mp4", ".m4a")
mimetypes.add_type("audio/webm", ".webm")
mimetypes.add_type("image/webp", ".webp")
mimetypes.add_type("audio/flac", ".flac")
mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("application/x-subrip", ".srt")


def guess_content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_key(key: str) -> str:
    """Keys are relative, slash-separated, with no '..' segments (no path escapes)."""
    if not _KEY.match(key) or any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidInput(
            f"invalid artifact key {key!r}: use letters, digits, '._-' and '/' separators, no '..' segments"
        )
    return key


class ArtifactChanged(FailedPrecondition):
    """An artifact's stored bytes no longer match the size and sha256 recorded for them."""


def _changed(key: str, what: str) -> ArtifactChanged:
    return ArtifactChanged(
        f"the stored file {key!r} no longer matches what was recorded for it ({what}); it is not served. "
        "Artifacts are write-once, so something outside the studio changed it: restore it from a backup"
    )


def check_recorded(stored: ArtifactRef, size: int, sha256: str) -> None:
    """Refuse to serve an artifact whose stored size or sha256 differs from its record."""
    if stored.size != size:
        raise _changed(stored.key, f"{stored.size} bytes, {size} recorded")
    if sha256 and stored.sha256 and stored.sha256 != sha256:
        raise _changed(stored.key, "its sha256 differs")


def unchanged(existing: ArtifactRef, written: ArtifactRef) -> ArtifactRef:
    """The stored artifact when a write repeats its bytes; FailedPrecondition when it would replace them."""
    if existing.sha256 and existing.sha256 == written.sha256:
        return existing
    raise FailedPrecondition(
        f"artifact {written.key!r} already exists with other content; artifacts are write-once (use a new key)"
    )


class ArtifactStore(ABC):
    """Where samples, images, clips and videos live."""

    bucket: str

    @abstractmethod
    async def check(self) -> None:
        """Verify the store is reachable and writable; raise ConfigError if not."""

    @abstractmethod
    async def put_file(self, key: str, path: Path, content_type: str = "") -> ArtifactRef:
        """Upload a file (streamed, never fully in memory); an existing key is never replaced (see `unchanged`)."""

    async def put_bytes(self, key: str, data: bytes, content_type: str = "") -> ArtifactRef:
        with tempfile.NamedTemporaryFile(prefix="studio-put-") as tmp:
            tmp.write(data)
            tmp.flush()
            return await self.put_file(key, Path(tmp.name), content_type)

    @abstractmethod
    async def stat(self, key: str) -> ArtifactRef:
        """The reference of an existing artifact; NotFound if there is none."""

    async def exists(self, key: str) -> bool:
        from studio.core.errors import NotFound

        try:
            await self.stat(key)
        except NotFound:
            return False
        return True

    @abstractmethod
    def iter_bytes(self, key: str) -> AsyncIterator[bytes]:
        """Stream an artifact's bytes in chunks; NotFound if missing."""

    async def iter_range(self, key: str, start: int, length: int) -> AsyncIterator[bytes]:
        """`length` bytes from offset `start` (HTTP Range answers); stores that can seek override it."""
        skip, left = start, length
        chunks = self.iter_bytes(key)
        try:
            async for chunk in chunks:
                if skip >= len(chunk):
                    skip -= len(chunk)
                    continue
                piece = chunk[skip : skip + left]
                skip = 0
                left -= len(piece)
                yield piece
                if left <= 0:
                    return
        finally:
            if isinstance(chunks, AsyncGenerator):  # release the store's connection now, not at collection
                await chunks.aclose()

    async def iter_verified(self, key: str, size: int, sha256: str) -> AsyncIterator[bytes]:
        """Stream an artifact, checking it against its record as it goes (ArtifactChanged if it differs).

        The last chunk is held back until the whole file is hashed: a file whose bytes changed is cut
        short of its Content-Length, so a client sees a failed download, never a wrong complete one.
        """
        digest = hashlib.sha256()
        sent = 0
        held: bytes | None = None
        async for chunk in self.iter_bytes(key):
            sent += len(chunk)
            if sent > size:
                raise _changed(key, f"more than the {size} bytes recorded")
            digest.update(chunk)
            if held is not None:
                yield held
            held = chunk
        if sent != size:
            raise _changed(key, f"{sent} bytes, {size} recorded")
        if sha256 and digest.hexdigest() != sha256:
            raise _changed(key, "its sha256 differs")
        if held is not None:
            yield held

    async def get_bytes(self, ref: ArtifactRef | str) -> bytes:
        key = ref if isinstance(ref, str) else ref.key
        return b"".join([chunk async for chunk in self.iter_bytes(key)])

    async def download(self, ref: ArtifactRef | str, dest: Path) -> Path:
        """Copy an artifact to a local file (atomically: dest appears complete or not at all)."""
        key = ref if isinstance(ref, str) else ref.key
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.part")
        try:
            with tmp.open("wb") as handle:
                async for chunk in self.iter_bytes(key):
                    handle.write(chunk)
            tmp.replace(dest)
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove an artifact; absent keys are fine."""

    @abstractmethod
    async def keys(self, prefix: str) -> list[str]:
        """The keys of the artifacts under `prefix` (a folder: "runs/<job>/2/"), sorted."""

    async def delete_under(self, prefix: str) -> list[str]:
        """Remove every artifact under `prefix`; return their keys."""
        removed = await self.keys(prefix)
        for key in removed:
            await self.delete(key)
        return removed

    @abstractmethod
    async def presigned_get_url(self, key: str, expires_seconds: int = 3600) -> str:
        """A URL a client can fetch the artifact from without credentials."""
