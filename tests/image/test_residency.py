"""The residency manager: one instance per model, a budget, LRU eviction, idle unload, offload placement."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from studio.core.errors import FailedPrecondition
from studio.core.residency import (
    Footprint,
    Loaded,
    Placement,
    ResidencyManager,
    ResidencySettings,
    estimate_footprint,
    manager_for,
)

GB = 1024**3


class Models:
    """Loader factory recording loads, placements and releases."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, Placement]] = []
        self.released: list[str] = []

    def loader(self, key: str):  # type: ignore[no-untyped-def]
        def load(placement: Placement) -> Loaded[str]:
            self.loads.append((key, placement))
            return Loaded(f"{key}@{placement.value}", release=lambda: self.released.append(key))

        return load


async def use(manager: ResidencyManager, models: Models, key: str, gb: float, largest: float = 0.0) -> str:
    async with manager.use(key, Footprint(int(gb * GB), int(largest * GB)), models.loader(key)) as value:
        return value


async def test_one_load_per_model_even_when_asked_concurrently() -> None:
    manager, models = ResidencyManager(budget_bytes=10 * GB), Models()
    values = await asyncio.gather(*(use(manager, models, "flux", 4) for _ in range(5)))
    assert values == ["flux@device"] * 5
    assert models.loads == [("flux", Placement.DEVICE)]


async def test_least_recently_used_idle_model_is_evicted_for_room() -> None:
    manager, models = ResidencyManager(budget_bytes=10 * GB), Models()
    await use(manager, models, "flux", 4)
    await use(manager, models, "tts", 3)
    await use(manager, models, "flux", 4)  # flux is now the most recent
    await use(manager, models, "talking-head", 5)
    assert models.released == ["tts"]
    assert {r.key for r in manager.residents()} == {"flux", "talking-head"}
    assert manager.used_bytes == 9 * GB


async def test_a_model_in_use_is_never_evicted() -> None:
    manager, models = ResidencyManager(budget_bytes=10 * GB), Models()
    async with manager.use("flux", Footprint(8 * GB), models.loader("flux")):
        await use(manager, models, "tts", 4)  # over budget on CPU: loads beside it rather than pulling flux away
        assert manager.is_resident("flux")
    assert models.released == []


async def test_idle_models_unload_after_the_configured_time() -> None:
    now = [0.0]
    manager, models = ResidencyManager(budget_bytes=10 * GB, idle_unload_seconds=60, clock=lambda: now[0]), Models()
    await use(manager, models, "flux", 4)
    now[0] = 30.0
    await use(manager, models, "tts", 2)
    now[0] = 70.0
    assert await manager.sweep() == ["flux"]
    now[0] = 95.0
    assert await manager.sweep() == ["tts"]
    assert manager.residents() == [] and models.released == ["flux", "tts"]
    await manager.close()


async def test_background_sweeper_unloads_and_stops_when_empty() -> None:
    manager, models = ResidencyManager(budget_bytes=GB, idle_unload_seconds=0.2), Models()
    await use(manager, models, "tiny", 0.1)
    for _ in range(100):
        if not manager.residents():
            break
        await asyncio.sleep(0.05)
    assert models.released == ["tiny"]
    await asyncio.sleep(0.1)
    assert manager._sweeper is None or manager._sweeper.done()


@pytest.mark.parametrize(
    ("policy", "total", "largest", "expected"),
    [
        ("auto", 6, 4, Placement.DEVICE),
        ("auto", 33, 9, Placement.MODEL_OFFLOAD),  # e.g. SD 3.5 large whole does not fit, its transformer does
        ("auto", 33, 24, Placement.SEQUENTIAL_OFFLOAD),  # FLUX on a 12 GB card
        ("model", 2, 1, Placement.MODEL_OFFLOAD),
        ("sequential", 2, 1, Placement.SEQUENTIAL_OFFLOAD),
    ],
)
def test_placement_on_a_12_gb_card(policy: str, total: float, largest: float, expected: Placement) -> None:
    manager = ResidencyManager(budget_bytes=int(0.8 * 12 * GB), device="cuda", cpu_offload=policy)  # type: ignore[arg-type]
    assert manager.plan(Footprint(int(total * GB), int(largest * GB)), manager.budget_bytes) is expected


async def test_models_take_turns_on_a_small_card_without_running_out() -> None:
    """FLUX, a TTS and a talking head share 9.6 GB of a 12 GB card: each gets a placement that fits."""
    other_processes = [0]
    manager = ResidencyManager(budget_bytes=int(0.8 * 12 * GB), device="cuda")
    manager.free_memory = lambda: 12 * GB - other_processes[0] - manager.used_bytes
    models = Models()
    assert await use(manager, models, "flux", 33, 24) == "flux@sequential_offload"
    assert await use(manager, models, "tts", 4, 3) == "tts@device"
    assert await use(manager, models, "talking-head", 5, 4) == "talking-head@device"
    assert manager.used_bytes <= manager.budget_bytes
    assert await use(manager, models, "sd35-medium", 4.5, 3) == "sd35-medium@device"
    assert models.released == ["tts"]  # least recently used made room
    await manager.unload("sd35-medium")
    await manager.unload("talking-head")
    other_processes[0] = 10 * GB  # another server took the card: offload instead of running out of memory
    assert await use(manager, models, "tts", 4, 3) == "tts@sequential_offload"


async def test_no_offload_policy_refuses_a_model_larger_than_the_budget() -> None:
    manager = ResidencyManager(budget_bytes=8 * GB, device="cuda", cpu_offload="none")
    with pytest.raises(FailedPrecondition, match=r"needs 33\.0 GB but the device budget is 8\.0 GB"):
        await use(manager, Models(), "flux", 33, 24)


def test_settings_defaults_fit_the_brief(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ResidencySettings()
    assert (settings.memory_fraction, settings.cpu_offload) == (0.8, "auto")
    monkeypatch.setenv("STUDIO_MEMORY_FRACTION", "0.5")
    assert ResidencySettings().memory_fraction == 0.5
    manager = manager_for("cpu", ResidencySettings())
    assert manager.budget_bytes > 0 and manager.device == "cpu"


def test_footprint_counts_parameters_from_safetensors_headers(tiny_models_dir: Path) -> None:
    from diffusers import FluxPipeline

    folder = tiny_models_dir / "image" / "tiny-flux"
    pipe = FluxPipeline.from_pretrained(str(folder))
    sizes = {
        name: sum(p.numel() for p in getattr(pipe, name).parameters())
        for name in ("transformer", "vae", "text_encoder", "text_encoder_2")
    }
    footprint = estimate_footprint(folder, bytes_per_param=2)
    # Saved buffers (e.g. position ids) count too, so the header total is at least the parameter total.
    assert footprint.total_bytes >= 2 * sum(sizes.values())
    assert footprint.total_bytes <= 2 * sum(sizes.values()) * 1.05
    assert footprint.largest_bytes >= 2 * max(sizes.values())
