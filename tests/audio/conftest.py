"""Audio test fixtures: speech references rendered by espeak-ng at known pitches, and a service.

References are made once per session with the espeak-ng command-line tool (not our
backend), at clearly different pitches, long enough to register as voices.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.audio.backends.espeak import EspeakBackend
from studio.audio.settings import AudioSettings
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.operations import ServiceDefinition

PASSAGE = (
    "The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. "
    "Peter Piper picked a peck of pickled peppers. How much wood would a woodchuck chuck "
    "if a woodchuck could chuck wood. A journey of a thousand miles begins with a single step."
)


def espeak_cli(path: Path, text: str, voice: str, pitch: int, speed: int = 175) -> Path:
    subprocess.run(
        ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-w", str(path), text],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture(scope="session")
def references(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """low (~75 Hz male), high (~220 Hz female) speech, a 3-second sample, and non-speech files."""
    folder = tmp_path_factory.mktemp("references")
    refs = {
        "low": espeak_cli(folder / "low.wav", PASSAGE, "en-us", 15),
        "high": espeak_cli(folder / "high.wav", PASSAGE, "en-us+f4", 70),
        "short": espeak_cli(folder / "short.wav", "Hello there, this is a short sample.", "en-us", 50),
    }
    rate = 16000
    refs["silent"] = folder / "silent.wav"
    sf.write(refs["silent"], np.zeros(rate * 20, dtype=np.float32), rate)
    refs["noise"] = folder / "noise.wav"
    sf.write(refs["noise"], np.random.default_rng(0).uniform(-0.3, 0.3, rate * 20).astype(np.float32), rate)
    refs["text"] = folder / "notes.wav"  # a text file with an audio name
    refs["text"].write_text("# not audio\n" * 100)
    return refs


@pytest.fixture(scope="session")
def espeak_backend() -> EspeakBackend:
    """One espeak backend for the session: its per-voice calibrations are reused across tests."""
    backend = EspeakBackend()
    backend.load()
    return backend


@pytest.fixture
def audio_settings(tmp_path: Path) -> AudioSettings:
    return AudioSettings(models_dir=tmp_path / "models", artifacts_dir=tmp_path / "artifacts", device="cpu")


@pytest.fixture
def service(
    artifacts: LocalArtifactStore,
    audio_settings: AudioSettings,
    espeak_backend: EspeakBackend,
) -> ServiceDefinition:
    from pydantic import SecretStr

    from studio.audio.service import build_service
    from studio.core.providers.settings import ProviderSettings

    return build_service(
        artifacts,
        settings=audio_settings,
        speech_backends={"espeak": espeak_backend},
        providers=ProviderSettings(elevenlabs_key=SecretStr(""), replicate_key=SecretStr("")),  # never a real provider
    )


@pytest.fixture
def client(service: ServiceDefinition, artifacts: LocalArtifactStore) -> Iterator[EmbeddedClient]:
    yield EmbeddedClient(service, artifacts)


def stored_keys(artifacts: LocalArtifactStore) -> set[str]:
    """Every artifact key in the store."""
    base = artifacts.root / artifacts.bucket
    if not base.exists():
        return set()
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")}


def median_f0(path: Path) -> float:
    from studio.audio.analysis import pitch_track

    samples, rate = sf.read(path, dtype="float32", always_2d=True)
    return pitch_track(samples.mean(axis=1), rate).median()


def assert_monotonic(spans: list[tuple[str, float, float]], duration: float) -> None:
    """Starts never go backwards, each span ends after it starts and before the audio ends."""
    previous = 0.0
    for word, start, end in spans:
        assert start >= previous - 1e-9, f"{word} starts at {start} before {previous}"
        assert end >= start, f"{word} ends before it starts"
        assert end <= duration + 1e-6
        previous = start
