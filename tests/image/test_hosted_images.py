"""Hosted image backends beyond the shared provider checks: Kontext edits on fal, Real-ESRGAN on Replicate, listings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.core.clients import EmbeddedClient
from studio.core.errors import FailedPrecondition, InvalidInput
from studio.image.service import build_service
from studio.image.settings import ImageSettings
from studio.v1 import image_pb2 as pb
from tests.providers.conftest import PublicStore, provider_settings, put_png
from tests.providers.fakes.server import FakeProviders, FakeProviderServer


@pytest.fixture
def fakes() -> FakeProviders:  # type: ignore[misc]
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> PublicStore:
    return PublicStore(tmp_path / "artifacts")


@pytest.fixture
def client(fakes: FakeProviders, store: PublicStore) -> EmbeddedClient:
    service = build_service(store, ImageSettings(), providers=provider_settings(fakes))
    return EmbeddedClient(service, store)


async def test_fal_kontext_edits_the_image_it_is_sent(
    client: EmbeddedClient, fakes: FakeProviders, store: PublicStore
) -> None:
    image = await put_png(store, 640, 480)
    result = await client.call("Edit", pb.EditRequest(image=image, instruction="make it night", backend="fal", seed=5))
    assert (result.image.width, result.image.height) == (640, 480) and result.model == "fal-ai/flux-pro/kontext"
    (submit,) = [r for r in fakes.calls("fal", "POST")]
    body = json.loads(submit.body)
    assert submit.path == "/fal-ai/flux-pro/kontext" and body["aspect_ratio"] == "4:3"
    assert body["image_url"].startswith("data:image/png;base64,")  # no public URL of the upload needed
    assert result.cost.items[0].unit == "image"


async def test_fal_cannot_inpaint_or_upscale(client: EmbeddedClient, store: PublicStore) -> None:
    image = await put_png(store, 64, 64)
    mask = await put_png(store, 64, 64, key="inputs/mask.png")
    with pytest.raises(InvalidInput, match="cannot inpaint a mask"):
        await client.call("Edit", pb.EditRequest(image=image, mask=mask, instruction="x", backend="fal"))
    with pytest.raises(FailedPrecondition, match="does not upscale; use backend 'replicate'"):
        await client.call("Upscale", pb.UpscaleRequest(image=image, factor=2, backend="fal"))


async def test_replicate_upscales_with_real_esrgan_billed_by_gpu_time(
    client: EmbeddedClient, fakes: FakeProviders, store: PublicStore
) -> None:
    image = await put_png(store, 200, 100)
    result = await client.call("Upscale", pb.UpscaleRequest(image=image, factor=4, backend="replicate"))
    assert (result.image.width, result.image.height) == (800, 400)
    (create,) = fakes.calls("replicate", "POST")
    body = json.loads(create.body)
    assert create.path == "/v1/predictions" and body["version"].startswith("42fed1c4")
    assert body["input"]["scale"] == 4
    (item,) = result.cost.items
    assert (item.unit, item.quantity, item.basis) == ("predict-second", 12.5, "provider")  # as Replicate reported


async def test_models_list_the_hosted_ones_with_their_key_state(client: EmbeddedClient) -> None:
    listing = await client.call("ListImageModels", pb.ListImageModelsRequest())
    hosted = {(m.backend, m.name): m.installed for m in listing.models if m.backend in ("fal", "replicate")}
    assert hosted[("fal", "fal-ai/flux/schnell")] and hosted[("replicate", "nightmareai/real-esrgan")]


async def test_a_draft_costs_nothing(client: EmbeddedClient) -> None:
    result = await client.call("Generate", pb.GenerateRequest(prompt="a fox", width=64, height=64, backend="draft"))
    assert result.cost.usd == 0 and result.cost.basis == "free"
