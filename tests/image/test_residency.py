"""The residency manager: one instance per model, a budget, LRU eviction, idle unload, the placement plan."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from studio.core.errors import FailedPrecondition, Overloaded
from studio.core.placement import DeviceProfile, Footprint, Part, Placement, Role
from studio.core.residency import Loaded, ResidencyManager, ResidencySettings, folder_parameters, manager_for

GB = 1024**3
#: Speeds of a card like the H200 the issue measured on (bf16 matmul, HBM, PCIe pinned / pageable).
BIG_GPU = DeviceProfile("test gpu", 750e12, 4.0e12, 25e9, 8e9)
CPU = DeviceProfile("test cpu", 1e11, 2e10, 1e10, 1e10, kind="cpu")


class Models:
    """Loader factory recording loads, placements and releases."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, Placement]] = []
        self.released: list[str] = []

    def loader(self, key: str):  # type: ignore[no-untyped-def]
        def load(placement: Placement) -> Loaded[str]:
            self.loads.append((key, placement))
            return Loaded(f"{key}@{placement.label}", release=lambda: self.released.append(key))

        return load


def pipeline(transformer_gb: float, encoder_gb: float = 0.0, steps: int = 28) -> Footprint:
    """A diffusion pipeline's footprint: a denoiser run once per step, a text encoder, a small VAE."""
    parts = [
        Part(
            "transformer", int(transformer_gb * GB / 2), Role.DENOISER, 2, steps, 4e12, int(transformer_gb * GB / 114)
        ),
        Part("vae", 42_000_000, Role.DECODER, 2, 1, 5e12, GB),
    ]
    if encoder_gb:
        parts.append(
            Part("text_encoder", int(encoder_gb * GB / 2), Role.ENCODER, 2, 1, 5e12, int(encoder_gb * GB / 48))
        )
    return Footprint(tuple(parts))


async def use(
    manager: ResidencyManager, models: Models, key: str, gb: float, footprint: Footprint | None = None
) -> str:
    async with manager.use(key, footprint or Footprint.single(int(gb * GB), key), models.loader(key)) as value:
        return value


def cpu_manager(budget_gb: float, **kwargs: object) -> ResidencyManager:
    return ResidencyManager(budget_bytes=int(budget_gb * GB), profile=CPU, **kwargs)  # type: ignore[arg-type]


def gpu_manager(budget_gb: float, **kwargs: object) -> ResidencyManager:
    return ResidencyManager(budget_bytes=int(budget_gb * GB), device="cuda", profile=BIG_GPU, **kwargs)  # type: ignore[arg-type]


async def test_one_load_per_model_even_when_asked_concurrently() -> None:
    manager, models = cpu_manager(10), Models()
    values = await asyncio.gather(*(use(manager, models, "flux", 4) for _ in range(5)))
    assert values == ["flux@device"] * 5
    assert [(key, p.on_device) for key, p in models.loads] == [("flux", True)]


async def test_least_recently_used_idle_model_is_evicted_for_room() -> None:
    manager, models = cpu_manager(10), Models()
    await use(manager, models, "flux", 4)
    await use(manager, models, "tts", 3)
    await use(manager, models, "flux", 4)  # flux is now the most recent
    await use(manager, models, "talking-head", 5)
    assert models.released == ["tts"]
    assert {r.key for r in manager.residents()} == {"flux", "talking-head"}
    assert manager.used_bytes == 9 * GB


async def test_a_model_in_use_is_never_evicted() -> None:
    manager, models = cpu_manager(10), Models()
    async with manager.use("flux", Footprint.single(8 * GB), models.loader("flux")):
        await use(manager, models, "tts", 4)  # over budget on CPU: loads beside it rather than pulling flux away
        assert manager.is_resident("flux")
    assert models.released == []


async def test_idle_models_unload_after_the_configured_time() -> None:
    now = [0.0]
    manager, models = cpu_manager(10, idle_unload_seconds=60, clock=lambda: now[0]), Models()
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
    manager, models = cpu_manager(1, idle_unload_seconds=0.2), Models()
    await use(manager, models, "tiny", 0.1)
    for _ in range(100):
        if not manager.residents():
            break
        await asyncio.sleep(0.05)
    assert models.released == ["tiny"]
    await asyncio.sleep(0.1)
    assert manager._sweeper is None or manager._sweeper.done()


@pytest.mark.parametrize(
    ("budget_gb", "expected"),
    [
        (111, "device"),  # a big card: everything whole, no casting, nothing moved per step
        (19, "text_encoder=stream, transformer=fp8+device"),  # 24 GB card: float8 transformer stays, T5 streams
        (9.6, "text_encoder=stream, transformer=fp8+stream"),  # 12 GB card: float8 blocks stream, half the bytes
    ],
)
def test_the_fastest_placement_that_fits_the_budget(budget_gb: float, expected: str) -> None:
    """FLUX-sized: a 24 GB transformer, a 9.5 GB T5."""
    manager = gpu_manager(budget_gb)
    chosen = manager.plan_for(pipeline(23.8, 9.5))
    assert chosen.fits and chosen.placement.label == expected
    assert chosen.estimate.peak_bytes <= budget_gb * GB
    faster = [e for e in chosen.alternatives if e.seconds < chosen.estimate.seconds]
    assert faster == [] or all(e.peak_bytes > budget_gb * GB for e in faster)  # anything faster does not fit


def test_a_forced_placement_is_used_even_when_auto_would_pick_another() -> None:
    manager = gpu_manager(9.6, strategy="sequential")
    chosen = manager.plan_for(pipeline(23.8, 9.5))
    assert chosen.placement.label == "sequential offload"
    auto = gpu_manager(9.6).plan_for(pipeline(23.8, 9.5))
    assert auto.estimate.seconds < chosen.estimate.seconds / 3  # streaming float8 blocks beats sequential offload


def test_single_models_are_placed_whole_and_cpu_never_offloads() -> None:
    assert gpu_manager(9.6).plan_for(Footprint.single(4 * GB)).placement.label == "device"
    assert cpu_manager(1).plan_for(pipeline(23.8, 9.5)).placement.label == "device"


async def test_models_take_turns_on_a_small_card_without_running_out() -> None:
    """FLUX, a TTS and a talking head share 9.6 GB of a 12 GB card: each gets a placement that fits."""
    other_processes = [0]
    manager = gpu_manager(9.6)
    manager.free_memory = lambda: 12 * GB - other_processes[0] - manager.used_bytes
    models = Models()
    flux = await use(manager, models, "flux", 0, pipeline(23.8, 9.5))
    assert flux == "flux@text_encoder=stream, transformer=fp8+stream"
    assert await use(manager, models, "tts", 4) == "tts@device"
    assert await use(manager, models, "talking-head", 2) == "talking-head@device"
    assert manager.used_bytes <= manager.budget_bytes
    assert await use(manager, models, "sd35-medium", 0, pipeline(4.5, 1.4)) == "sd35-medium@device"
    assert models.released == ["flux", "tts"]  # least recently used made room
    await manager.unload("sd35-medium")
    await manager.unload("talking-head")
    other_processes[0] = 10 * GB  # another server (without a lease) holds most of the card
    await use(manager, models, "flux", 0, pipeline(23.8, 9.5))
    (resident,) = manager.residents()
    assert resident.charged_bytes <= 2 * GB  # planned within what the card had free, not the whole budget
    other_processes[0] = 12 * GB - manager.used_bytes  # the card is full
    with pytest.raises(FailedPrecondition, match="needs"):
        await use(manager, models, "tts", 4)


async def test_on_a_gpu_a_load_waits_for_the_model_in_use_then_takes_its_place() -> None:
    manager, models = gpu_manager(9.6), Models()
    order: list[str] = []

    async def hold(key: str, seconds: float) -> None:
        async with manager.use(key, Footprint.single(6 * GB, key), models.loader(key)):
            order.append(f"{key} runs")
            await asyncio.sleep(seconds)

    first = asyncio.create_task(hold("flux", 0.3))
    await asyncio.sleep(0.05)
    await hold("talking-head", 0)  # 6 + 6 GB > 9.6 GB: waits for flux, instead of failing or overflowing
    await first
    assert order == ["flux runs", "talking-head runs"] and models.released == ["flux"]


async def test_waiting_for_a_busy_gpu_gives_up_with_overloaded() -> None:
    manager, models = gpu_manager(9.6, wait_seconds=0.2), Models()
    async with manager.use("flux", Footprint.single(6 * GB), models.loader("flux")):
        with pytest.raises(Overloaded, match="busy for 0s with flux"):
            await use(manager, models, "talking-head", 6)


async def test_a_model_that_fits_no_placement_is_refused_with_the_numbers() -> None:
    manager = gpu_manager(2)
    with pytest.raises(FailedPrecondition, match=r"needs \d+\.\d GB even as .* the device budget is 2\.0 GB"):
        await use(manager, Models(), "tts", 4)


def test_settings_defaults_fit_the_brief(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ResidencySettings()
    assert (settings.memory_fraction, settings.placement, settings.gpu_lease) == (0.8, "auto", "auto")
    monkeypatch.setenv("STUDIO_MEMORY_FRACTION", "0.5")
    monkeypatch.setenv("STUDIO_DEVICE_MEMORY_GB", "12")
    manager = manager_for("cpu", ResidencySettings())
    assert manager.budget_bytes == 6 * GB and manager.device == "cpu"


def test_footprint_counts_parameters_from_safetensors_headers(tiny_models_dir: Path) -> None:
    from diffusers import FluxPipeline

    folder = tiny_models_dir / "image" / "tiny-flux"
    pipe = FluxPipeline.from_pretrained(str(folder))
    sizes = {
        name: sum(p.numel() for p in getattr(pipe, name).parameters())
        for name in ("transformer", "vae", "text_encoder", "text_encoder_2")
    }
    counted = folder_parameters(folder)
    assert set(counted) == set(sizes)
    for name, size in sizes.items():
        # Saved buffers (e.g. position ids) count too, so a header total is at least the parameter total.
        assert size <= counted[name] <= size * 1.05
