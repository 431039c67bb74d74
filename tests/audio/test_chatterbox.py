"""The chatterbox adapter, driven through the service with a stand-in model of the same interface.

The stand-in has chatterbox-tts's surface (from_local(ckpt_dir, device), sr, conds,
prepare_conditionals(wav_fpath, exaggeration), generate(text, audio_prompt_path=...,
exaggeration=, cfg_weight=, temperature=[, language_id=])) and returns a torch tensor,
so everything the adapter owns is exercised: chunking, parameters, caching, resampling.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import torch

from studio.audio.backends.chatterbox import ChatterboxBackend
from studio.audio.backends.espeak import EspeakBackend
from studio.audio.service import build_service
from studio.audio.settings import AudioSettings
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import InvalidInput, ModelNotInstalled
from studio.core.placement import DeviceProfile, Footprint
from studio.core.residency import Loaded, ResidencyManager
from studio.v1 import audio_pb2 as pb
from tests.audio.conftest import assert_monotonic

SECONDS_PER_CHAR = 0.05
CPU = DeviceProfile("test cpu", 1e11, 2e10, 1e10, 1e10, kind="cpu")


class StandInChatterbox:
    """Same interface as chatterbox.tts.ChatterboxTTS; speaks a tone whose length follows the text."""

    def __init__(self, ckpt_dir: Path, device: str, builtin: bool) -> None:
        self.ckpt_dir = Path(ckpt_dir)
        self.device = device
        self.sr = 22050  # not the service's 24 kHz: the adapter must resample
        self.conds: Any = ("builtin",) if builtin else None
        self.prepared: list[tuple[str, float]] = []
        self.calls: list[dict[str, Any]] = []

    def prepare_conditionals(self, wav_fpath: str, exaggeration: float = 0.5) -> None:
        samples, rate = sf.read(wav_fpath)
        assert rate == 24000 and samples.ndim == 1 and len(samples) > rate  # the cleaned reference
        self.prepared.append((Path(wav_fpath).name, exaggeration))
        self.conds = ("voice", len(self.prepared), exaggeration)

    def generate(self, text: str, audio_prompt_path: str | None = None, **kwargs: Any) -> torch.Tensor:
        assert self.conds is not None, "Please `prepare_conditionals` first or specify `audio_prompt_path`"
        self.calls.append({"text": text, "conds": self.conds, "seed": torch.initial_seed(), **kwargs})
        t = torch.arange(int(len(text) * SECONDS_PER_CHAR * self.sr)) / self.sr
        return (0.3 * torch.sin(2 * torch.pi * 140 * t)).unsqueeze(0)


class Loader:
    def __init__(self, builtin: bool = True) -> None:
        self.builtin = builtin
        self.models: list[StandInChatterbox] = []

    def __call__(self, ckpt_dir: Path, device: str) -> StandInChatterbox:
        model = StandInChatterbox(ckpt_dir, device, self.builtin)
        self.models.append(model)
        return model


def install(models_dir: Path, name: str, marker: str) -> None:
    (models_dir / name).mkdir(parents=True, exist_ok=True)
    (models_dir / name / marker).write_bytes(b"")


@pytest.fixture
def loader() -> Loader:
    return Loader()


def make_client(
    artifacts: LocalArtifactStore,
    tmp_path: Path,
    espeak_backend: EspeakBackend,
    loader: Loader,
    *,
    model: str = "chatterbox",
    cache_size: int = 16,
) -> EmbeddedClient:
    models = tmp_path / "models"
    install(models, "chatterbox", "t3_cfg.safetensors")
    install(models, "chatterbox-multilingual", "t3_mtl23ls_v2.safetensors")
    if loader.builtin:  # checkpoints with a default voice ship it as conds.pt
        install(models, "chatterbox", "conds.pt")
        install(models, "chatterbox-multilingual", "conds.pt")
    backend = ChatterboxBackend(models, model, "cpu", cache_size=cache_size, loader=loader)
    definition = build_service(
        artifacts,
        settings=AudioSettings(models_dir=models, device="cpu"),
        speech_backends={"espeak": espeak_backend, "chatterbox": backend},
    )
    return EmbeddedClient(definition, artifacts)


@pytest.fixture
def client(
    artifacts: LocalArtifactStore, tmp_path: Path, espeak_backend: EspeakBackend, loader: Loader
) -> EmbeddedClient:
    return make_client(artifacts, tmp_path, espeak_backend, loader)


async def voice(client: EmbeddedClient, artifacts: LocalArtifactStore, path: Path) -> pb.VoiceSelection:
    sample = await artifacts.put_file(f"inputs/{path.name}", path)
    result: pb.RegisterVoiceResult = await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=sample))
    return pb.VoiceSelection(profile=result.profile)


async def speak(client: EmbeddedClient, text: str, **fields: Any) -> pb.SynthesizeResult:
    result: pb.SynthesizeResult = await client.call(
        "Synthesize", pb.SynthesizeRequest(text=text, backend="chatterbox", **fields)
    )
    return result


async def test_long_text_is_chunked_at_sentences_and_resampled(
    client: EmbeddedClient, loader: Loader, artifacts: LocalArtifactStore, tmp_path: Path
) -> None:
    sentences = [f"Sentence {i} tells a small part of a longer story, calmly and clearly." for i in range(14)]
    text = " ".join(sentences)
    result = await speak(client, text)
    model = loader.models[0]
    chunks = [call["text"] for call in model.calls]
    assert len(chunks) == 4 and all(len(chunk) <= 300 for chunk in chunks)
    assert " ".join(chunks) == text and all(chunk.endswith(".") for chunk in chunks)
    path = await artifacts.download(result.audio, tmp_path / "long.wav")
    info = sf.info(path)
    assert (info.samplerate, result.sample_rate) == (24000, 24000)
    expected = sum(len(chunk) for chunk in chunks) * SECONDS_PER_CHAR - 3 * 0.05  # three crossfades
    assert result.duration_seconds == pytest.approx(expected, abs=0.3)  # (tail trimming takes ≤ a few frames)
    samples, _ = sf.read(path)
    assert np.sqrt(np.mean(samples**2)) > 0.1  # crossfades did not cancel the audio
    assert [w.word for w in result.words] == text.split()  # estimated word spans, for subtitles
    assert_monotonic([(w.word, w.start_seconds, w.end_seconds) for w in result.words], result.duration_seconds)


async def test_brief_defaults_and_overrides(client: EmbeddedClient, loader: Loader) -> None:
    await speak(client, "Default parameters.")
    await speak(
        client,
        "Chosen parameters.",
        parameters=pb.SpeechParameters(cfg_weight=0.3, temperature=0.7, exaggeration=0.4, seed=1234),
    )
    first, second = loader.models[0].calls
    assert (first["cfg_weight"], first["temperature"], first["exaggeration"]) == (0.65, 1.0, 1.0)
    assert second["cfg_weight"] == pytest.approx(0.3) and second["temperature"] == pytest.approx(0.7)
    assert second["exaggeration"] == pytest.approx(0.4) and second["seed"] == 1234
    assert "language_id" not in first  # the English checkpoint takes no language
    assert first["conds"] == ("builtin",)  # the checkpoint's own voice when no profile is given


async def test_reference_conditioning_is_cached_per_voice(
    client: EmbeddedClient, loader: Loader, artifacts: LocalArtifactStore, references: dict[str, Path]
) -> None:
    low = await voice(client, artifacts, references["low"])
    high = await voice(client, artifacts, references["high"])
    for _ in range(2):
        await speak(client, "First voice.", voice=low)
        await speak(client, "Second voice.", voice=high)
    model = loader.models[0]
    assert len(model.prepared) == 2  # once per voice, not per request
    assert all(exaggeration == 1.0 for _, exaggeration in model.prepared)
    assert model.calls[0]["conds"] == model.calls[2]["conds"] != model.calls[1]["conds"]
    await speak(client, "More feeling.", voice=low, parameters=pb.SpeechParameters(exaggeration=1.5))
    assert len(model.prepared) == 3 and model.prepared[-1][1] == 1.5


async def test_cache_is_bounded(
    artifacts: LocalArtifactStore,
    tmp_path: Path,
    espeak_backend: EspeakBackend,
    loader: Loader,
    references: dict[str, Path],
) -> None:
    client = make_client(artifacts, tmp_path, espeak_backend, loader, cache_size=1)
    low = await voice(client, artifacts, references["low"])
    high = await voice(client, artifacts, references["high"])
    for selection in (low, high, low):
        await speak(client, "Evicted.", voice=selection)
    assert len(loader.models[0].prepared) == 3


async def test_multilingual_checkpoint_gets_the_language(
    artifacts: LocalArtifactStore, tmp_path: Path, espeak_backend: EspeakBackend, loader: Loader
) -> None:
    client = make_client(artifacts, tmp_path, espeak_backend, loader, model="chatterbox-multilingual")
    await speak(client, "Olá, tudo bem?", language="pt-br")
    assert loader.models[0].calls[0]["language_id"] == "pt"
    with pytest.raises(InvalidInput, match="does not speak 'tlh'"):
        await speak(client, "Qapla'", language="tlh")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"language": "pt-br"}, "does not speak 'pt-br'.*multilingual"),
        ({"voice": pb.VoiceSelection(preset="pt-br+f3")}, "no preset voices"),
        ({"parameters": pb.SpeechParameters(speed=1.5)}, "speed"),
        ({"parameters": pb.SpeechParameters(cfg_weight=3.0)}, "cfg_weight: 3 is out of range"),
        ({"parameters": pb.SpeechParameters(temperature=0.0)}, "temperature"),
        ({"parameters": pb.SpeechParameters(exaggeration=-1)}, "exaggeration"),
    ],
)
async def test_rejected_requests(client: EmbeddedClient, loader: Loader, fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        await speak(client, "Hello.", **fields)
    assert not loader.models[0].calls


async def test_no_voice_without_builtin_conditionals(
    artifacts: LocalArtifactStore, tmp_path: Path, espeak_backend: EspeakBackend
) -> None:
    client = make_client(artifacts, tmp_path, espeak_backend, Loader(builtin=False))
    with pytest.raises(InvalidInput, match="needs a registered voice"):
        await speak(client, "Hello.")


async def test_the_model_goes_through_residency(
    artifacts: LocalArtifactStore, tmp_path: Path, espeak_backend: EspeakBackend, references: dict[str, Path]
) -> None:
    """Loaded at start-up, kept while idle, evicted (with its cached voices) when another model needs the room."""
    loader = Loader()
    residency = ResidencyManager(budget_bytes=8 * 1024**3, profile=CPU, idle_unload_seconds=0)
    models = tmp_path / "models"
    install(models, "chatterbox", "t3_cfg.safetensors")
    install(models, "chatterbox", "conds.pt")
    backend = ChatterboxBackend(models, "chatterbox", "cpu", loader=loader, residency=residency)
    definition = build_service(
        artifacts,
        settings=AudioSettings(speech_backend="chatterbox", models_dir=models, device="cpu"),
        speech_backends={"espeak": espeak_backend, "chatterbox": backend},
    )
    assert definition.load is not None
    await definition.load()
    assert backend.resident is not None and residency.is_resident(backend.resident.key) and len(loader.models) == 1
    client = EmbeddedClient(definition, artifacts)
    await speak(client, "First.", voice=await voice(client, artifacts, references["low"]))
    assert len(loader.models) == 1 and len(backend._cache) == 1  # no reload while it stays resident
    async with residency.use("flux", Footprint.single(residency.budget_bytes), lambda _: Loaded("flux")):
        pass  # another model needed the whole budget
    assert not residency.is_resident(backend.resident.key) and backend._cache == {}
    await speak(client, "Second.")
    assert len(loader.models) == 2 and loader.models[1].calls[0]["text"] == "Second."


async def test_missing_weights_name_the_download_command(tmp_path: Path) -> None:
    backend = ChatterboxBackend(tmp_path / "empty", "chatterbox", "cpu", loader=Loader())
    with pytest.raises(ModelNotInstalled, match="studio models download chatterbox"):
        backend.load()


@pytest.mark.gpu
async def test_real_chatterbox(artifacts: LocalArtifactStore, references: dict[str, Path], tmp_path: Path) -> None:
    """Real weights from $STUDIO_MODELS_DIR/chatterbox on a GPU: cloned speech of plausible length."""
    models = Path(os.environ.get("STUDIO_MODELS_DIR", "models"))
    backend = ChatterboxBackend(models, "chatterbox", "cuda")
    if not backend.spec.installed(models):
        pytest.skip(f"chatterbox weights are not in {backend.spec.path(models)}")
    definition = build_service(
        artifacts,
        settings=AudioSettings(models_dir=models, device="cuda"),
        speech_backends={"chatterbox": backend},
    )
    client = EmbeddedClient(definition, artifacts)
    selection = await voice(client, artifacts, references["high"])
    result = await speak(client, "This is a real voice clone speaking on the graphics card.", voice=selection)
    assert 1.5 < result.duration_seconds < 10
