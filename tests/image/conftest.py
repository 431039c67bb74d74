"""Image test fixtures: tiny real diffusers pipelines saved once per session, and service builders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.residency import ResidencyManager
from studio.image.settings import ImageSettings

#: name under <models>/image -> random_models family
TINY_MODELS = {
    "tiny-flux": "flux",
    "tiny-sd3": "sd3",
    "tiny-kontext": "flux-kontext",
    "tiny-upscaler": "upscaler",
}


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models dir holding tiny FLUX, SD3, Kontext and x4-upscaler pipelines in save_pretrained layout."""
    pytest.importorskip("diffusers")
    import torch

    from studio.image.random_models import save_random_pipeline

    torch.set_num_threads(1)  # the CI machine's cores are shared; more threads only thrash
    models_dir = tmp_path_factory.mktemp("models")
    for name, family in TINY_MODELS.items():
        save_random_pipeline(family, models_dir / "image" / name)  # type: ignore[arg-type]
    return models_dir


def image_settings(**overrides: object) -> ImageSettings:
    values: dict[str, object] = {"cpu_threads": 1, "device": "cpu", **overrides}
    return ImageSettings(**values)  # type: ignore[arg-type]


def cpu_residency(budget_gb: float = 8.0) -> ResidencyManager:
    return ResidencyManager(budget_bytes=int(budget_gb * 1024**3), device="cpu", idle_unload_seconds=0)


@pytest.fixture
def empty_models_dir(tmp_path: Path) -> Path:
    path = tmp_path / "no-models"
    path.mkdir()
    return path


@pytest.fixture
def draft_client(artifacts: LocalArtifactStore, empty_models_dir: Path) -> Iterator[EmbeddedClient]:
    """The image service with no weights installed (what the studio runs here)."""
    from studio.image.service import build_service

    definition = build_service(artifacts, image_settings(models_dir=empty_models_dir), cpu_residency())
    yield EmbeddedClient(definition, artifacts)
