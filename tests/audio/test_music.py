"""GenerateMusic with the synth backend, and its request validation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.audio.backends.synth import SynthMusicBackend
from studio.audio.backends.synth_style import style_for
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import InvalidInput, ModelNotInstalled
from studio.v1 import audio_pb2 as pb
from tests.audio.conftest import stored_keys


async def compose(client: EmbeddedClient, **fields: object) -> pb.GenerateMusicResult:
    result: pb.GenerateMusicResult = await client.call("GenerateMusic", pb.GenerateMusicRequest(**fields))  # type: ignore[arg-type]
    return result


async def test_twenty_seconds_of_stereo_music(
    client: EmbeddedClient, artifacts: LocalArtifactStore, tmp_path: Path
) -> None:
    fractions: list[float] = []

    async def on_progress(progress: object) -> None:
        fractions.append(progress.fraction)  # type: ignore[attr-defined]

    result: pb.GenerateMusicResult = await client.call(
        "GenerateMusic", pb.GenerateMusicRequest(description="calm warm piano", duration_seconds=20), on_progress
    )
    path = await artifacts.download(result.audio, tmp_path / "m.wav")
    samples, rate = sf.read(path, always_2d=True)
    assert (rate, samples.shape[1], result.channels, result.backend) == (44100, 2, 2, "synth")
    assert len(samples) / rate == pytest.approx(20.0, abs=0.1)
    assert result.duration_seconds == pytest.approx(20.0, abs=0.1)
    for second in range(1, 18):  # sound all the way through, not one burst
        window = samples[second * rate : (second + 1) * rate]
        assert np.sqrt(np.mean(window**2)) > 0.01, second
    assert np.max(np.abs(samples)) < 0.95  # headroom, no clipping
    assert np.mean(np.abs(samples[:, 0] - samples[:, 1])) > 1e-3  # really stereo
    assert fractions and fractions == sorted(fractions)


def test_moods_sound_different_and_seeds_repeat() -> None:
    backend = SynthMusicBackend()
    calm = backend.generate("calm warm piano", 6.0, 22050, 1, lambda _: None)
    energetic = backend.generate("energetic upbeat dance", 6.0, 22050, 1, lambda _: None)
    again = backend.generate("calm warm piano", 6.0, 22050, 1, lambda _: None)
    other_seed = backend.generate("calm warm piano", 6.0, 22050, 2, lambda _: None)
    assert np.array_equal(calm, again)
    assert not np.array_equal(calm, other_seed)

    def high_share(track: np.ndarray) -> float:  # hi-hats and bright leads put energy above 5 kHz
        spectrum = np.abs(np.fft.rfft(track.mean(axis=1)))
        return float(spectrum[np.fft.rfftfreq(len(track), 1 / 22050) > 5000].sum() / spectrum.sum())

    assert high_share(energetic) > 5 * high_share(calm)


@pytest.mark.parametrize(
    ("description", "mood", "lead"),
    [
        ("calm warm piano", "calm", "piano"),
        ("playful adventurous", "happy", "pluck"),
        ("trilha épica e aventureira com cordas", "epic", "strings"),
        ("música triste", "sad", "piano"),
        ("something indescribable", "calm", "piano"),
    ],
)
def test_descriptions_pick_a_style(description: str, mood: str, lead: str) -> None:
    style = style_for(description)
    assert (style.mood, style.lead) == (mood, lead)


async def test_mp3_output(client: EmbeddedClient, artifacts: LocalArtifactStore) -> None:
    result = await compose(client, description="happy", duration_seconds=3, format=pb.AUDIO_FORMAT_MP3)
    assert result.audio.key.endswith("music.mp3") and result.audio.content_type == "audio/mpeg"


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"description": "", "duration_seconds": 5}, InvalidInput, "description: is empty"),
        ({"description": "x" * 501, "duration_seconds": 5}, InvalidInput, "description"),
        ({"description": "calm", "duration_seconds": 0}, InvalidInput, "duration_seconds: 0 is out of range"),
        ({"description": "calm", "duration_seconds": -3}, InvalidInput, "out of range"),
        ({"description": "calm", "duration_seconds": float("inf")}, InvalidInput, "out of range"),
        ({"description": "calm", "duration_seconds": float("nan")}, InvalidInput, "out of range"),
        ({"description": "calm", "duration_seconds": 10_000}, InvalidInput, "accepted 1 to 600"),
        ({"description": "calm", "duration_seconds": 5, "sample_rate": 1000}, InvalidInput, "sample_rate"),
        ({"description": "calm", "duration_seconds": 5, "backend": "suno"}, InvalidInput, "unknown music backend"),
        ({"description": "calm", "duration_seconds": 5, "backend": "musicgen"}, ModelNotInstalled, "download"),
    ],
)
async def test_bad_requests(
    client: EmbeddedClient, artifacts: LocalArtifactStore, fields: dict[str, object], error: type, message: str
) -> None:
    before = stored_keys(artifacts)
    with pytest.raises(error, match=message):
        await compose(client, **fields)
    assert stored_keys(artifacts) == before
