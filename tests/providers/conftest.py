"""Fixtures for the hosted providers: the fake servers, settings pointing at them, and each service."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from studio.core.artifacts import ArtifactStore
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.providers.settings import ProviderSettings
from studio.v1.common_pb2 import ArtifactRef
from tests.providers.fakes.server import KEYS, FakeProviders, FakeProviderServer
from tests.providers.stack import ProviderStack, provider_stack


class PublicStore(LocalArtifactStore):
    """A local store whose links look public (Luma fetches stills by URL; the fake only checks it is given)."""

    async def presigned_get_url(self, key: str, expires_seconds: int = 3600) -> str:
        return f"https://files.example.com/{key}"


@pytest.fixture
def fakes() -> Iterator[FakeProviders]:
    with FakeProviderServer() as fake:
        yield fake


def provider_settings(fake: FakeProviders, **overrides: Any) -> ProviderSettings:
    values: dict[str, Any] = {
        "fal_url": f"{fake.url}/fal",
        "replicate_url": f"{fake.url}/replicate",
        "elevenlabs_url": f"{fake.url}/elevenlabs",
        "kling_url": f"{fake.url}/kling",
        "runway_url": f"{fake.url}/runway",
        "luma_url": f"{fake.url}/luma",
        "minimax_url": f"{fake.url}/minimax",
        "fal_key": KEYS["fal"],
        "replicate_key": KEYS["replicate"],
        "elevenlabs_key": KEYS["elevenlabs"],
        "kling_access_key": KEYS["kling_access"],
        "kling_secret_key": KEYS["kling_secret"],
        "runway_key": KEYS["runway"],
        "luma_key": KEYS["luma"],
        "minimax_key": KEYS["minimax"],
        "provider_allow_loopback_for_tests": True,
        "provider_poll_seconds": 0.01,
        "provider_poll_max_seconds": 0.02,
        "provider_retries": 2,
        "provider_timeout": 20.0,
        "provider_request_timeout": 10.0,
    }
    values.update(overrides)
    return ProviderSettings(**values)


@pytest.fixture
def store(tmp_path: Path) -> PublicStore:
    return PublicStore(tmp_path / "artifacts")


async def put_png(
    store: ArtifactStore, width: int = 640, height: int = 360, key: str = "inputs/still.png"
) -> ArtifactRef:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 200)).save(buffer, "PNG")
    return await store.put_bytes(key, buffer.getvalue(), "image/png")


@pytest.fixture(scope="module")
def hosted_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderStack]:
    """The gateway and the four real model servers, their provider backends pointed at the fakes (one per module:
    the environment that points the services at the fakes is set only while the module's tests run)."""
    with provider_stack(tmp_path_factory.mktemp("hosted-stack")) as running:
        yield running
