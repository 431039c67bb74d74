"""On a CUDA machine: the tiny pipelines run on the GPU with the same seeds-to-pixels contract (skipped here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.residency import ResidencySettings, manager_for
from studio.image.service import build_service
from studio.v1.image_pb2 import GenerateRequest

from .conftest import image_settings


@pytest.mark.gpu
async def test_generate_on_cuda_is_deterministic_and_resident(
    artifacts: LocalArtifactStore, tiny_models_dir: Path
) -> None:
    residency = manager_for("cuda", ResidencySettings())
    definition = build_service(
        artifacts, image_settings(cpu_threads=0, models_dir=tiny_models_dir, device="cuda"), residency
    )
    client = EmbeddedClient(definition, artifacts)
    request = GenerateRequest(prompt="a red fox", width=64, height=64, steps=2, seed=5, model="tiny-flux")
    first, again = [await client.call("Generate", request) for _ in range(2)]
    pixels = [np.asarray(Image.open(artifacts.path_of(r.images[0].image))) for r in (first, again)]
    assert np.array_equal(pixels[0], pixels[1])
    (resident,) = residency.residents()
    assert resident.placement.on_device and resident.charged_bytes > 0
    await client.close()
    assert residency.residents() == []


@pytest.mark.gpu
async def test_streamed_float8_placement_on_cuda_stays_within_a_small_budget(
    artifacts: LocalArtifactStore, tiny_models_dir: Path
) -> None:
    """Forced fp8 + streaming (CUDA streams, pinned memory): the same pipeline runs, and the weights leave the GPU."""
    import torch

    residency = manager_for("cuda", ResidencySettings(placement="fp8-stream", gpu_lease="off"))
    definition = build_service(
        artifacts, image_settings(cpu_threads=0, models_dir=tiny_models_dir, device="cuda"), residency
    )
    client = EmbeddedClient(definition, artifacts)
    request = GenerateRequest(prompt="a red fox", width=64, height=64, steps=2, seed=5, model="tiny-flux")
    result = await client.call("Generate", request)
    assert result.images[0].width == 64
    (resident,) = residency.residents()
    assert resident.placement.of("transformer").fp8 and "stream" in resident.placement.label
    pipe = next(iter(residency._entries.values())).loaded.value
    assert all(p.device.type == "cpu" for p in pipe.transformer.transformer_blocks.parameters())  # offloaded again
    assert torch.cuda.memory_allocated() < 512 * 1024**2
    await client.close()
