"""Fixtures shared by every test area.

Real servers are used where the machine has them (NATS on 127.0.0.1:4222,
PostgreSQL on 127.0.0.1:5432); each test session gets its own NATS prefix so
runs never see each other's streams.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.settings import StudioSettings, reset_settings_cache

REPO_ROOT = Path(__file__).resolve().parent.parent
NATS_URL = os.environ.get("STUDIO_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _cuda_available():
        return
    skip_gpu = pytest.mark.skip(reason="needs a CUDA GPU and real weights (marked gpu)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip_gpu)


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    reset_settings_cache()
    yield
    reset_settings_cache()


@pytest.fixture
def artifacts(tmp_path: Path) -> LocalArtifactStore:
    """A local artifact store in a temporary directory."""
    return LocalArtifactStore(tmp_path / "artifacts")


@pytest.fixture
def nats_prefix() -> str:
    """A NATS subject/stream prefix unique to this test."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def nats_settings(nats_prefix: str) -> StudioSettings:
    return StudioSettings(
        nats_url=NATS_URL,
        nats_prefix=nats_prefix,
        job_ack_wait=2.0,
        job_retry_delay=0.2,
        job_max_deliver=3,
    )


@pytest.fixture
async def transport(nats_settings: StudioSettings) -> AsyncIterator[object]:
    """A connected JobTransport with this test's own streams (deleted afterwards)."""
    from studio.core.jobs import JobTransport

    t = await JobTransport.connect(nats_settings)
    yield t
    for stream in t.names.streams:
        try:
            await t.js.delete_stream(stream)
        except Exception:  # noqa: BLE001 - already gone
            pass
    await t.close()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The retry waits the provider transport asked for (recorded, not slept)."""
    from studio.core.providers import transport

    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(transport, "sleep", record)
    return recorded


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; run `make install` (scripts/bootstrap-system.sh installs it)")
    return path
