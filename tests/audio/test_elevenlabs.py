"""The ElevenLabs backend beyond the shared provider checks: alignment to timings, voices, settings mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.audio.backends.elevenlabs import DEFAULT_FEMALE, DEFAULT_MALE, ElevenLabsBackend, alignment_spans
from studio.audio.service import build_service
from studio.audio.settings import AudioSettings
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import InvalidInput
from studio.v1 import audio_pb2 as pb
from tests.audio.conftest import espeak_cli
from tests.providers.conftest import provider_settings
from tests.providers.fakes.media import CHAR_SECONDS
from tests.providers.fakes.server import FakeProviders, FakeProviderServer


@pytest.fixture
def fakes() -> FakeProviders:  # type: ignore[misc]
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
def client(fakes: FakeProviders, artifacts: LocalArtifactStore) -> EmbeddedClient:
    service = build_service(artifacts, settings=AudioSettings(), providers=provider_settings(fakes))
    return EmbeddedClient(service, artifacts)


def test_alignment_becomes_words_with_punctuation_and_letter_phonemes() -> None:
    text = "Oi, Pip!"
    starts = [i * 0.1 for i in range(len(text))]
    words, phonemes = alignment_spans(text, list(text), starts, [s + 0.1 for s in starts])
    assert [(w.label, round(w.start, 3), round(w.end, 3)) for w in words] == [("Oi,", 0.0, 0.3), ("Pip!", 0.4, 0.8)]
    assert [p.label for p in phonemes] == ["o", "i", "_", "p", "i", "p"]
    assert (phonemes[2].start, phonemes[2].end) == pytest.approx((0.3, 0.4))


async def test_speech_carries_the_alignment_timings_and_mapped_settings(
    client: EmbeddedClient, fakes: FakeProviders
) -> None:
    text = "Quando Luna sorria, Pip ficava dourado."
    parameters = pb.SpeechParameters(speed=1.1, cfg_weight=0.8, exaggeration=0.3, temperature=0.5, seed=42)
    request = pb.SynthesizeRequest(text=text, backend="elevenlabs", voice=pb.VoiceSelection(preset="pt-br+f3"),
                                   parameters=parameters, format=pb.AUDIO_FORMAT_WAV)  # fmt: skip
    result = await client.call("Synthesize", request)
    assert [w.word for w in result.words] == text.split()
    assert result.words[0].start_seconds == 0.0
    assert result.words[-1].end_seconds == pytest.approx(len(text) * CHAR_SECONDS, abs=1e-6)
    assert {p.phoneme for p in result.phonemes} >= {"q", "u", "a", "_"}
    (call,) = fakes.calls("elevenlabs")
    assert call.path == f"/v1/text-to-speech/{DEFAULT_FEMALE}/with-timestamps"  # "+f" presets: the female voice
    body = json.loads(call.body)
    assert body["model_id"] == "eleven_multilingual_v2" and body["seed"] == 42
    settings = body["voice_settings"]
    assert settings["speed"] == pytest.approx(1.1) and settings["similarity_boost"] == pytest.approx(0.8)
    assert settings["style"] == pytest.approx(0.3) and settings["stability"] == pytest.approx(0.75)
    (task,) = [task for task in fakes.tasks.values() if task.kind == "tts"]
    assert task.params["output_format"] == "pcm_24000"  # 24 kHz PCM: no decoder needed


def test_presets_voice_ids_and_lite_presets() -> None:
    backend = ElevenLabsBackend(provider_settings(FakeProviders(url="https://unused")))
    assert backend.preset_voice("21m00Tcm4TlvDq8ikWAM") == "21m00Tcm4TlvDq8ikWAM"
    assert backend.preset_voice("pt-br") == DEFAULT_MALE and backend.preset_voice("en-us+f5") == DEFAULT_FEMALE
    with pytest.raises(InvalidInput, match="not an ElevenLabs voice id"):
        backend.preset_voice("../../etc/passwd")


async def test_a_registered_voice_is_cloned_once_from_its_sample(
    client: EmbeddedClient, fakes: FakeProviders, artifacts: LocalArtifactStore, tmp_path: Path
) -> None:
    sample_path = espeak_cli(tmp_path / "sample.wav", "The quick brown fox jumps over the lazy dog. " * 4, "en-us", 50)
    sample = await artifacts.put_file("inputs/sample.wav", sample_path)
    registered = await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=sample, name="Ana", language="en"))
    for line in ("Hello there.", "Goodbye now."):
        request = pb.SynthesizeRequest(
            text=line, backend="elevenlabs", voice=pb.VoiceSelection(profile=registered.profile)
        )
        await client.call("Synthesize", request)
    clones = [r for r in fakes.calls("elevenlabs") if r.path == "/v1/voices/add"]
    assert len(clones) == 1 and b'name="files"' in clones[0].body and b"RIFF" in clones[0].body  # the cleaned wav
    speech = [r for r in fakes.calls("elevenlabs") if r.path.endswith("/with-timestamps")]
    assert {r.path for r in speech} == {"/v1/text-to-speech/FakeClonedVoice00001/with-timestamps"}


async def test_settings_outside_elevenlabs_ranges_are_refused(client: EmbeddedClient, fakes: FakeProviders) -> None:
    request = pb.SynthesizeRequest(text="Hi.", backend="elevenlabs", parameters=pb.SpeechParameters(speed=2.0))
    with pytest.raises(InvalidInput, match=r"ElevenLabs accepts 0\.7\.\.1\.2"):
        await client.call("Synthesize", request)
    assert fakes.calls("elevenlabs") == []
