"""Embedded mode: the four model services in this process, over one local artifact directory.

The services' operations are called exactly as their gRPC servers and job
workers call them (`studio.core.clients.EmbeddedClient`); only the wiring differs.
"""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import AsyncIterator, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from studio.core.artifacts import ArtifactStore, guess_content_type, sha256_file
from studio.core.clients import EmbeddedClient, ServiceClient
from studio.core.errors import InvalidInput
from studio.core.registry import service_spec
from studio.pipeline.media import MediaUse, VoiceUse
from studio.pipeline.steps import Step
from studio.v1.common_pb2 import ArtifactRef

#: The services a production calls.
PRODUCTION_SERVICES = ("image", "audio", "video", "composer")
#: Largest local media file a screenplay may name.
MAX_MEDIA_BYTES = 50 * 1024 * 1024
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
#: Worker threads for the services' `asyncio.to_thread` calls in embedded mode.
STEP_THREADS = 32
_roomy_loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()


def _roomy_default_executor() -> None:
    """Give the loop a thread pool wide enough for every step of a production at once.

    A clip's frame loop holds a worker thread for its whole run; with asyncio's
    default pool (CPUs + 4 threads) six clips would make every short step (a
    narration, a frame) queue behind them, stretching the critical path.
    """
    loop = asyncio.get_running_loop()
    if loop not in _roomy_loops:
        loop.set_default_executor(ThreadPoolExecutor(STEP_THREADS, thread_name_prefix="studio-step"))
        _roomy_loops.add(loop)


class EmbeddedExecutor:
    """Runs each step with the service's own operation handler, in this process."""

    def __init__(self, clients: Mapping[str, ServiceClient]) -> None:
        self.clients = dict(clients)

    @classmethod
    @asynccontextmanager
    async def open(
        cls, store: ArtifactStore, services: Iterable[str] = PRODUCTION_SERVICES
    ) -> AsyncIterator[EmbeddedExecutor]:
        """Build and load the services (concurrently), yield the executor, close them."""
        _roomy_default_executor()
        definitions = [service_spec(name).load_factory()(store) for name in services]
        await asyncio.gather(*(d.load() for d in definitions if d.load is not None))
        clients = {d.name: EmbeddedClient(d, store) for d in definitions}
        try:
            yield cls(clients)
        finally:
            for client in clients.values():
                await client.close()

    async def run(self, step: Step) -> Any:
        client = self.clients.get(step.service)
        if client is None:
            raise InvalidInput(f"step {step.id} needs the {step.service} service, which is not loaded here")
        return await client.call(step.rpc, step.request, step.progress)


def _safe_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip("._-")
    return cleaned[-80:] or "file"


def _looks_like_image(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(12)
    return head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


class LocalMediaResolver:
    """Uploads the screenplay's local files into the embedded store (content-addressed: once per file)."""

    def __init__(self, store: ArtifactStore) -> None:
        self.store = store

    async def media(self, use: MediaUse, base_dir: Path) -> ArtifactRef:
        path = use.local_path(base_dir)
        size = path.stat().st_size
        if size == 0 or size > MAX_MEDIA_BYTES:
            limit = MAX_MEDIA_BYTES // (1024 * 1024)
            raise InvalidInput(f"{use.field}: {path.name} is {size} bytes; accepted: 1 byte to {limit} MiB")
        if use.kind == "image" and not await asyncio.to_thread(_looks_like_image, path):
            raise InvalidInput(f"{use.field}: {path.name} is not a PNG, JPEG or WebP image")
        digest = await asyncio.to_thread(sha256_file, path)
        key = f"inputs/{digest[:24]}/{_safe_name(path.name)}"
        return await self.store.put_file(key, path, guess_content_type(path.name))

    async def voice(self, use: VoiceUse) -> ArtifactRef:
        raise InvalidInput(
            f"{use.field}: registered voices ({use.voice_id!r}) live on a gateway; render with --server, "
            "or give the voice as a `sample` file or a `preset`"
        )
