"""The image service without weights: drafts, Lanczos upscales, and every bad request refused cleanly."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import Cancelled, FailedPrecondition, InvalidInput, ModelNotInstalled, NotFound
from studio.core.operations import OperationContext
from studio.image.formats import read_metadata
from studio.image.service import build_service
from studio.v1.common_pb2 import ArtifactRef, Progress
from studio.v1.image_pb2 import (
    IMAGE_FORMAT_JPEG,
    IMAGE_FORMAT_WEBP,
    EditRequest,
    GenerateRequest,
    ListImageModelsRequest,
    UpscaleRequest,
)

from .conftest import cpu_residency, image_settings


def stored_files(store: LocalArtifactStore) -> list[Path]:
    base = store.root / store.bucket
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


async def upload(store: LocalArtifactStore, data: bytes, name: str = "in.png") -> ArtifactRef:
    return await store.put_bytes(f"inputs/{name}", data, "image/png")


def png(size: tuple[int, int], colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


async def test_generate_makes_a_labelled_deterministic_draft(
    draft_client: EmbeddedClient, artifacts: LocalArtifactStore
) -> None:
    events: list[Progress] = []

    async def on_progress(progress: Progress) -> None:
        events.append(progress)

    request = GenerateRequest(prompt="a lighthouse by the sea", width=256, height=144, seed=11)
    result = await draft_client.call("Generate", request, on_progress)
    again = await draft_client.call("Generate", request)
    assert (result.backend, result.model, result.draft) == ("draft", "draft", True)
    (image,) = result.images
    assert (image.width, image.height, image.seed) == (256, 144, 11)
    assert image.image.content_type == "image/png"
    assert image.image.sha256 == again.images[0].image.sha256
    path = artifacts.path_of(image.image)
    assert read_metadata(path) == {
        "prompt": "a lighthouse by the sea",
        "seed": "11",
        "model": "draft",
        "backend": "draft",
        "steps": "1",
        "guidance": "0",
        "draft": "true",
    }
    assert events[-1].fraction == 1.0 and {"painting", "encoding"} <= {e.stage for e in events}


async def test_count_gives_consecutive_seeds_and_distinct_images(draft_client: EmbeddedClient) -> None:
    result = await draft_client.call(
        "Generate", GenerateRequest(prompt="a meadow", width=128, height=64, seed=5, count=3)
    )
    assert [i.seed for i in result.images] == [5, 6, 7]
    assert len({i.image.sha256 for i in result.images}) == 3
    single = await draft_client.call("Generate", GenerateRequest(prompt="a meadow", width=128, height=64, seed=6))
    assert single.images[0].image.sha256 == result.images[1].image.sha256


@pytest.mark.parametrize(
    ("fmt", "content_type"), [(IMAGE_FORMAT_JPEG, "image/jpeg"), (IMAGE_FORMAT_WEBP, "image/webp")]
)
async def test_jpeg_and_webp_outputs_record_provenance(
    draft_client: EmbeddedClient, artifacts: LocalArtifactStore, fmt: int, content_type: str
) -> None:
    request = GenerateRequest(prompt="ração", width=64, height=64, seed=1, format=fmt)  # type: ignore[arg-type]
    result = await draft_client.call("Generate", request)
    ref = result.images[0].image
    assert ref.content_type == content_type
    meta = read_metadata(artifacts.path_of(ref))
    assert meta["prompt"] == "ração" and meta["draft"] == "true" and meta["seed"] == "1"


async def test_unset_seed_is_random_and_reported(draft_client: EmbeddedClient) -> None:
    request = GenerateRequest(prompt="a meadow", width=64, height=64)
    first, second = [await draft_client.call("Generate", request) for _ in range(2)]
    assert first.images[0].seed != second.images[0].seed


BAD_GENERATE: list[tuple[dict[str, Any], str]] = [
    ({"width": 100}, "width: 100 is not accepted; use a multiple of 16"),
    ({"height": 4096}, "height: 4096"),
    ({"width": -16}, "width"),
    ({"width": 32}, "width"),
    ({"steps": 1000}, "steps: 1000 is out of range"),
    ({"steps": -1}, "steps"),
    ({"guidance": -1.0}, "guidance"),
    ({"guidance": float("nan")}, "guidance"),
    ({"guidance": 31.0}, "guidance"),
    ({"prompt": ""}, "prompt: must not be empty"),
    ({"prompt": "   \n"}, "prompt: must not be empty"),
    ({"prompt": "x" * 5000}, "prompt: 5000 characters"),
    ({"prompt": "a\x00b"}, "prompt: contains a NUL"),
    ({"negative_prompt": "y" * 3000}, "negative_prompt"),
    ({"count": 99}, "count: 99"),
    ({"count": -1}, "count"),
    ({"seed": -5}, "seed: -5"),
    ({"seed": 2**63 - 1, "count": 2}, "seed"),
    ({"backend": "midjourney"}, "backend: 'midjourney' is not available"),
    ({"format": 9}, "format"),
    ({"model": "../../etc/passwd"}, "model: '../../etc/passwd' is not a model name"),
    ({"backend": "draft", "model": "flux-schnell"}, "the draft backend has no model"),
]


@pytest.mark.parametrize(("fields", "message"), BAD_GENERATE)
async def test_bad_generate_requests_name_the_field_and_store_nothing(
    draft_client: EmbeddedClient, artifacts: LocalArtifactStore, fields: dict[str, Any], message: str
) -> None:
    request = GenerateRequest(**{"prompt": "a meadow", "width": 64, "height": 64, **fields})
    with pytest.raises(InvalidInput) as raised:
        await draft_client.call("Generate", request)
    assert message in raised.value.message
    assert stored_files(artifacts) == []


async def test_unknown_model_is_not_found_and_lists_what_is_installed(draft_client: EmbeddedClient) -> None:
    pytest.importorskip("diffusers")
    with pytest.raises(NotFound, match=r"unknown image model 'dreamshaper'; installed: none"):
        await draft_client.call("Generate", GenerateRequest(prompt="x", model="dreamshaper"))


async def test_catalogued_but_missing_model_says_how_to_install_it(draft_client: EmbeddedClient) -> None:
    pytest.importorskip("diffusers")
    with pytest.raises(ModelNotInstalled, match="studio models download flux-schnell"):
        await draft_client.call("Generate", GenerateRequest(prompt="x", model="flux-schnell"))


async def test_edit_is_not_faked_without_an_edit_model(
    draft_client: EmbeddedClient, artifacts: LocalArtifactStore
) -> None:
    ref = await upload(artifacts, png((64, 64)))
    for backend in ("", "draft"):
        with pytest.raises(FailedPrecondition, match="no image-edit model installed"):
            await draft_client.call("Edit", EditRequest(image=ref, instruction="make it night", backend=backend))
    assert [p.name for p in stored_files(artifacts)] == ["in.png"]


@pytest.mark.parametrize("factor", [2, 4])
async def test_upscale_uses_lanczos_and_keeps_provenance(
    draft_client: EmbeddedClient, artifacts: LocalArtifactStore, factor: int
) -> None:
    made = await draft_client.call("Generate", GenerateRequest(prompt="a meadow", width=96, height=64, seed=3))
    result = await draft_client.call("Upscale", UpscaleRequest(image=made.images[0].image, factor=factor))
    assert (result.backend, result.model) == ("draft", "lanczos")
    assert (result.image.width, result.image.height) == (96 * factor, 64 * factor)
    path = artifacts.path_of(result.image.image)
    with Image.open(path) as image:
        assert image.size == (96 * factor, 64 * factor)
        small = np.asarray(image.resize((96, 64), Image.Resampling.BOX), dtype=float)
    original = np.asarray(Image.open(artifacts.path_of(made.images[0].image)), dtype=float)
    assert np.abs(small - original).mean() < 6  # the same picture, enlarged
    meta = read_metadata(path)
    assert meta["prompt"] == "a meadow" and meta["operation"] == f"upscale x{factor}" and meta["draft"] == "true"


BAD_UPLOADS: list[tuple[bytes, str]] = [
    (b"", "image: the file is empty"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image: not a readable image"),
    (png((64, 64))[:60], "image: not a readable image"),
    (b"GIF89a" + b"\x00" * 30, "image: "),
]


@pytest.mark.parametrize(("data", "message"), BAD_UPLOADS)
async def test_bad_uploads_are_refused_and_leave_no_output(
    draft_client: EmbeddedClient, artifacts: LocalArtifactStore, data: bytes, message: str
) -> None:
    ref = await upload(artifacts, data)
    with pytest.raises(InvalidInput, match=message):
        await draft_client.call("Upscale", UpscaleRequest(image=ref, factor=2))
    assert [p.name for p in stored_files(artifacts)] == ["in.png"]


async def test_upscale_limits(artifacts: LocalArtifactStore, empty_models_dir: Path) -> None:
    settings = image_settings(max_input_bytes=4096, max_upscale_side=512, models_dir=empty_models_dir)
    client = EmbeddedClient(build_service(artifacts, settings, cpu_residency()), artifacts)
    noisy = io.BytesIO()
    Image.effect_noise((128, 128), 80).convert("RGB").save(noisy, "PNG")
    big = await upload(artifacts, noisy.getvalue(), "big.png")
    with pytest.raises(InvalidInput, match=r"image: the file is .* MB; the limit is"):
        await client.call("Upscale", UpscaleRequest(image=big, factor=2))
    wide = await upload(artifacts, png((300, 20)), "wide.png")
    with pytest.raises(InvalidInput, match="would exceed 512 px"):
        await client.call("Upscale", UpscaleRequest(image=wide, factor=2))
    with pytest.raises(InvalidInput, match="factor: 3 is not accepted; use 2 or 4"):
        await client.call("Upscale", UpscaleRequest(image=wide, factor=3))
    with pytest.raises(InvalidInput, match="image: required"):
        await client.call("Upscale", UpscaleRequest(factor=2))
    with pytest.raises(NotFound, match=r"image: artifact 'inputs/nope\.png' does not exist"):
        await client.call("Upscale", UpscaleRequest(image=ArtifactRef(key="inputs/nope.png"), factor=2))
    with pytest.raises(InvalidInput, match="invalid artifact key"):
        await client.call("Upscale", UpscaleRequest(image=ArtifactRef(key="../../etc/passwd"), factor=2))


async def test_list_models_shows_draft_and_the_catalogue(draft_client: EmbeddedClient) -> None:
    response = await draft_client.call("ListImageModels", ListImageModelsRequest())
    by_name = {m.name: m for m in response.models}
    assert by_name["draft"].installed and by_name["draft"].vram_gb == 0
    assert by_name["lanczos"].task == "upscale"
    assert not by_name["flux-schnell"].installed
    assert by_name["sd35-large"].vram_gb == pytest.approx(10.5)
    assert {"flux-dev", "flux-kontext-dev", "sd35-medium", "sd-x4-upscaler"} <= set(by_name)


async def test_cancelled_run_stops_and_stores_nothing(artifacts: LocalArtifactStore, empty_models_dir: Path) -> None:
    definition = build_service(artifacts, image_settings(models_dir=empty_models_dir), cpu_residency())
    ctx = OperationContext(artifacts=artifacts, is_cancelled=lambda: True)
    with pytest.raises(Cancelled):
        await definition.operation("Generate").handler(GenerateRequest(prompt="x", width=64, height=64), ctx)
    assert stored_files(artifacts) == []


async def test_forcing_diffusers_without_models_fails_at_start_up(
    artifacts: LocalArtifactStore, empty_models_dir: Path
) -> None:
    from studio.core.errors import ConfigError

    definition = build_service(
        artifacts, image_settings(backend="diffusers", models_dir=empty_models_dir), cpu_residency()
    )
    assert definition.load is not None
    with pytest.raises(ConfigError, match="STUDIO_IMAGE_BACKEND=diffusers but no model is installed"):
        await definition.load()
