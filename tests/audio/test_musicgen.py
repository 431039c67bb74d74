"""The musicgen backend on a tiny MusicGen (tiny T5, tiny decoder, tiny EnCodec) saved like real weights.

The model is built from small configs, written with save_pretrained into a temporary models
directory, and loaded by the backend's own loader, exactly as a downloaded checkpoint is.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from studio.audio.backends.musicgen import MusicgenBackend
from studio.audio.random_models import save_random_musicgen
from studio.audio.service import build_service
from studio.audio.settings import AudioSettings
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import ModelNotInstalled
from studio.core.placement import DeviceProfile, Footprint
from studio.core.residency import Loaded, ResidencyManager
from studio.v1 import audio_pb2 as pb


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny models drown in thread hand-offs on a shared 2-core machine; one thread is ~6x faster here."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("models")
    save_random_musicgen(folder / "musicgen-small")
    return folder


def test_generates_exact_stereo_clip(models_dir: Path) -> None:
    backend = MusicgenBackend(models_dir, "musicgen-small", "cpu", residency=small_residency())
    backend.load()
    fractions: list[float] = []
    with held(backend):
        audio = backend.generate("calm warm piano", 0.6, 44100, 7, fractions.append)
        again = backend.generate("calm warm piano", 0.6, 44100, 7, lambda _: None)
    assert audio.shape == (round(0.6 * 44100), 2) and audio.dtype == np.float32
    assert np.all(np.isfinite(audio)) and np.max(np.abs(audio)) > 0
    assert len(fractions) > 20 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert np.array_equal(audio, again)  # the seed makes sampling repeatable


def test_long_tracks_continue_from_an_audio_prompt(models_dir: Path) -> None:
    backend = MusicgenBackend(
        models_dir, "musicgen-small", "cpu", segment_seconds=0.6, prompt_seconds=0.2, residency=small_residency()
    )
    backend.load()
    fractions: list[float] = []
    with held(backend):
        audio = backend.generate("epic music", 1.4, 32000, 3, fractions.append)
    assert audio.shape == (round(1.4 * 32000), 2)
    # a 0.6 s first window, then 0.4 s of new audio per window: three windows, progress never goes back
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(abs(f - 1 / 3) < 1e-6 for f in fractions) and any(abs(f - 2 / 3) < 1e-6 for f in fractions)


async def test_service_loads_musicgen_from_the_models_dir(
    models_dir: Path, artifacts: LocalArtifactStore, tmp_path: Path
) -> None:
    definition = build_service(
        artifacts,
        settings=AudioSettings(music_backend="musicgen", models_dir=models_dir, device="cpu"),
    )
    assert definition.load is not None
    await definition.load()  # start-up loads the default music backend from disk
    client = EmbeddedClient(definition, artifacts)
    result: pb.GenerateMusicResult = await client.call(
        "GenerateMusic", pb.GenerateMusicRequest(description="playful", duration_seconds=1.0, seed=1)
    )
    info = sf.info(await artifacts.download(result.audio, tmp_path / "m.wav"))
    assert (info.channels, info.samplerate, result.backend) == (2, 44100, "musicgen")
    assert info.duration == pytest.approx(1.0, abs=0.01)
    listed: pb.ListAudioModelsResponse = await client.call("ListAudioModels", pb.ListAudioModelsRequest())
    assert {m.name: m.installed for m in listed.models}["musicgen-small"]


def test_a_static_cache_gives_the_same_music(models_dir: Path) -> None:
    """The static cache (compiled on GPUs) samples exactly what the dynamic cache does.

    Windows here are whole buckets (0.6 s, then 0.4 s), so both generate the same frames.
    """
    tracks = []
    for static in (False, True):
        backend = MusicgenBackend(
            models_dir,
            "musicgen-small",
            "cpu",
            static_cache=static,
            static_bucket_seconds=0.2,
            segment_seconds=0.6,
            prompt_seconds=0.2,
            residency=small_residency(),
        )
        backend.load()
        fractions: list[float] = []
        with held(backend):
            tracks.append(backend.generate("calm piano", 1.0, 32000, 5, fractions.append))
        assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert np.array_equal(tracks[0], tracks[1])


def test_static_cache_windows_round_up_and_are_trimmed(models_dir: Path) -> None:
    backend = MusicgenBackend(models_dir, "musicgen-small", "cpu", static_cache=True, residency=small_residency())
    backend.load()
    with held(backend):
        audio = backend.generate("calm piano", 0.7, 32000, 2, lambda _: None)  # generated as 5 s, trimmed
    assert audio.shape == (round(0.7 * 32000), 2) and np.all(np.isfinite(audio))


def test_half_precision_keeps_encodec_in_float32(models_dir: Path) -> None:
    import torch

    backend = MusicgenBackend(models_dir, "musicgen-small", "cpu", dtype="bfloat16", residency=small_residency())
    backend.load()
    with held(backend) as model:
        assert model.decoder.dtype == torch.bfloat16 and model.text_encoder.dtype == torch.bfloat16
        assert model.audio_encoder.dtype == torch.float32  # EnCodec's LSTM is slow and lossy in half precision
        audio = backend.generate("calm piano", 0.5, 32000, 1, lambda _: None)
    assert audio.shape == (16000, 2) and np.all(np.isfinite(audio)) and np.max(np.abs(audio)) > 0


def test_the_model_goes_through_residency(models_dir: Path) -> None:
    """Held while generating, evicted when another model needs the room, loaded again on the next use."""
    residency = small_residency()
    backend = MusicgenBackend(models_dir, "musicgen-small", "cpu", residency=residency)
    backend.load()
    assert backend.resident is not None and not residency.is_resident(backend.resident.key)
    with held(backend):
        assert residency.is_resident(backend.resident.key)
    asyncio.run(_crowd_out(residency))
    assert not residency.is_resident(backend.resident.key) and backend.resident.current is None
    with pytest.raises(ModelNotInstalled, match="not loaded"):
        backend.generate("calm", 0.5, 32000, 1, lambda _: None)  # outside a hold there is no model
    with held(backend):
        assert backend.generate("calm", 0.5, 32000, 1, lambda _: None).shape == (16000, 2)


def small_residency() -> ResidencyManager:
    cpu = DeviceProfile("test cpu", 1e11, 2e10, 1e10, 1e10, kind="cpu")
    return ResidencyManager(budget_bytes=64 * 1024**2, profile=cpu, idle_unload_seconds=0)


async def _crowd_out(residency: ResidencyManager) -> None:
    async with residency.use("other", Footprint.single(residency.budget_bytes), lambda _: Loaded("other")):
        pass


@contextlib.contextmanager
def held(backend: MusicgenBackend) -> Iterator[Any]:
    """Hold the backend's model from sync test code (the service does this around each generation)."""
    loop = asyncio.new_event_loop()
    assert backend.resident is not None
    hold = backend.resident.hold()
    try:
        yield loop.run_until_complete(hold.__aenter__())
    finally:
        loop.run_until_complete(hold.__aexit__(None, None, None))
        loop.close()
