"""Uploads: spooled to a temporary file, validated, and only then put in the artifact store.

`stored_upload` deletes the artifact again if whatever the caller records next
(rows, a job) fails, so a rejected or half-accepted upload leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from litestar.datastructures import UploadFile

from studio.core.errors import InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.errors import PayloadTooLarge
from studio.gateway.uploads.checks import UploadInfo
from studio.v1.common_pb2 import ArtifactRef

Validator = Callable[[Path, str], Awaitable[UploadInfo]]


@dataclass(frozen=True)
class StoredUpload:
    asset_id: uuid.UUID
    ref: ArtifactRef
    info: UploadInfo


def _copy_limited(source: IO[bytes], dest: Path, limit: int) -> int:
    source.seek(0)
    size = 0
    with dest.open("wb") as out:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(f"the upload is larger than {limit} bytes (STUDIO_MAX_UPLOAD_BYTES)")
            out.write(chunk)
    return size


def _without_paths(error: InvalidInput, workdir: Path) -> InvalidInput:
    """The error with our scratch paths taken out: decoders name the file they read, and a server's
    temporary paths are nothing a client should see."""
    message = error.message.replace(str(workdir / "upload"), "the upload").replace(str(workdir), "the upload")
    error.message, error.args = message, (message,)
    return error


@asynccontextmanager
async def stored_upload(
    gateway: Gateway, owner_id: uuid.UUID, upload: UploadFile, what: str, validate: Validator
) -> AsyncIterator[StoredUpload]:
    """Validate `upload`, store it, and remove it again if the caller's block fails."""
    workdir = Path(tempfile.mkdtemp(prefix="studio-upload-"))
    try:
        path = workdir / "upload"
        size = await asyncio.to_thread(_copy_limited, upload.file, path, gateway.settings.max_upload_bytes)
        if size == 0:
            raise InvalidInput(f"the {what} file is empty")
        try:
            info = await validate(path, upload.content_type or "")
        except InvalidInput as error:
            raise _without_paths(error, workdir) from None
        asset_id = uuid.uuid4()
        key = f"uploads/{owner_id.hex}/{asset_id.hex}/{what}.{info.format}"
        ref = await gateway.artifacts.put_file(key, path, info.content_type)
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)
    try:
        yield StoredUpload(asset_id=asset_id, ref=ref, info=info)
    except BaseException:
        await gateway.artifacts.delete(ref.key)
        raise
