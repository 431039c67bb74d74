"""Embedded mode for single-modality commands: a service built in-process over a local artifact directory."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from studio.core.artifacts import guess_content_type
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import InvalidInput
from studio.core.registry import service_spec
from studio.core.settings import StudioSettings, load_settings
from studio.v1.common_pb2 import ArtifactRef
from studio.v1.common_pb2 import Progress as ProgressMessage


@dataclass
class EmbeddedSession:
    store: LocalArtifactStore
    client: EmbeddedClient

    async def upload(self, path: Path) -> ArtifactRef:
        """Put a user's input file into the store (the services only read artifacts)."""
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
        return await self.store.put_file(f"inputs/{uuid.uuid4().hex}/{path.name}", path, guess_content_type(path.name))

    async def save(self, ref: ArtifactRef, dest: Path) -> Path:
        return await self.store.download(ref, Path(dest))

    async def call(self, rpc: str, request: Message, label: str = "") -> Any:
        """Run an operation with a progress bar on stderr."""
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[stage]}"),
            TimeElapsedColumn(),
            transient=True,
            console=Console(stderr=True),  # stdout stays clean for pipes and scripts
            disable=not sys.stderr.isatty(),
        ) as bar:
            task = bar.add_task(label or rpc, total=1.0, stage="")

            async def on_progress(progress: ProgressMessage) -> None:
                bar.update(task, completed=progress.fraction, stage=progress.stage)

            return await self.client.call(rpc, request, on_progress)


@asynccontextmanager
async def embedded(service: str) -> AsyncIterator[EmbeddedSession]:
    """Build `service` in this process, load its backends, and yield a session to call it."""
    settings = load_settings(StudioSettings)
    store = LocalArtifactStore(settings.artifacts_dir, settings.s3_bucket)
    await store.check()
    definition = service_spec(service).load_factory()(store)
    if definition.load is not None:
        await definition.load()
    client = EmbeddedClient(definition, store)
    try:
        yield EmbeddedSession(store, client)
    finally:
        await client.close()
