"""Synthesize through the service: outputs, formats, voices, and the errors a careless caller meets."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.audio import media
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import FailedPrecondition, InvalidInput, ModelNotInstalled, NotFound
from studio.v1 import audio_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef
from tests.audio.conftest import assert_monotonic, median_f0, stored_keys

OLA = "Olá, sou seu assistente de inteligência artificial."


async def speak(client: EmbeddedClient, **fields: object) -> pb.SynthesizeResult:
    result: pb.SynthesizeResult = await client.call("Synthesize", pb.SynthesizeRequest(**fields))  # type: ignore[arg-type]
    return result


async def test_default_output_is_24k_pcm_wav_with_timings(
    client: EmbeddedClient, artifacts: LocalArtifactStore, tmp_path: Path
) -> None:
    result = await speak(client, text=OLA, language="pt-br")
    path = await artifacts.download(result.audio, tmp_path / "out.wav")
    info = sf.info(path)
    assert (info.format, info.subtype, info.samplerate, info.channels) == ("WAV", "PCM_16", 24000, 1)
    assert result.sample_rate == 24000 and result.backend == "espeak"
    assert info.duration == pytest.approx(result.duration_seconds, abs=1e-3) and info.duration >= 2.0
    words = [(w.word, w.start_seconds, w.end_seconds) for w in result.words]
    assert [w[0] for w in words][:2] == ["Olá", "sou"]
    assert_monotonic(words, result.duration_seconds)
    assert result.words[-1].end_seconds >= 0.9 * result.duration_seconds
    assert_monotonic([(p.phoneme, p.start_seconds, p.end_seconds) for p in result.phonemes], result.duration_seconds)
    assert result.audio.key.endswith("speech.wav") and result.audio.content_type == "audio/wav"


@pytest.mark.parametrize(
    ("fmt", "rate", "codec", "stored_rate"),
    [
        (pb.AUDIO_FORMAT_MP3, 44100, "mp3", 44100),
        (pb.AUDIO_FORMAT_OGG_OPUS, 24000, "opus", 48000),  # Ogg stores 48 kHz for opus (RFC 7845)
        (pb.AUDIO_FORMAT_FLAC, 16000, "flac", 16000),
        (pb.AUDIO_FORMAT_AAC, 24000, "aac", 24000),
    ],
)
async def test_other_formats_and_rates(
    client: EmbeddedClient,
    artifacts: LocalArtifactStore,
    tmp_path: Path,
    fmt: int,
    rate: int,
    codec: str,
    stored_rate: int,
) -> None:
    result = await speak(client, text="Formats are encoded by ffmpeg.", format=fmt, sample_rate=rate)
    path = await artifacts.download(result.audio, tmp_path / result.audio.key.rsplit("/", 1)[-1])
    probe = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(path)],
            capture_output=True,
            check=True,
        ).stdout
    )
    stream = probe["streams"][0]
    assert stream["codec_name"] == codec
    assert int(stream["sample_rate"]) == stored_rate
    # Decoded, not read from the header: an ADTS (AAC) stream has none, ffprobe would only estimate it.
    assert len(media.decode(path, 8000)) / 8000 == pytest.approx(result.duration_seconds, abs=0.1)


async def test_pcm_is_headerless_16_bit_samples(client: EmbeddedClient, artifacts: LocalArtifactStore) -> None:
    result = await speak(client, text="Raw samples, no header.", format=pb.AUDIO_FORMAT_PCM, sample_rate=24000)
    assert result.audio.key.endswith("speech.pcm") and result.audio.content_type == "audio/pcm"
    raw = await artifacts.get_bytes(result.audio)
    assert result.sample_rate == 24000 and raw[:4] not in (b"RIFF", b"fLaC", b"OggS")
    assert len(raw) == round(result.duration_seconds * 24000) * 2


def test_pcm_bytes_are_the_wav_samples(tmp_path: Path) -> None:
    """PCM is exactly the 16-bit samples a WAV of the same audio holds, without the header."""
    samples = np.sin(np.linspace(0, 440 * 2 * np.pi, 24000)).astype(np.float32) * 0.5
    media.encode(samples, 24000, media.output_format(pb.AUDIO_FORMAT_PCM), tmp_path / "a.pcm")
    media.encode(samples, 24000, media.output_format(pb.AUDIO_FORMAT_WAV), tmp_path / "a.wav")
    from_wav, rate = sf.read(tmp_path / "a.wav", dtype="int16")
    assert rate == 24000 and (tmp_path / "a.pcm").read_bytes() == from_wav.astype("<i2").tobytes()


async def test_voice_samples_at_different_pitches_give_different_voices(
    client: EmbeddedClient, artifacts: LocalArtifactStore, references: dict[str, Path], tmp_path: Path
) -> None:
    """Acceptance: outputs' median F0 differ in the references' direction by at least half their difference."""
    f0 = {}
    for name in ("low", "high"):
        sample = await artifacts.put_file(f"inputs/{name}.wav", references[name])
        voice: pb.RegisterVoiceResult = await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=sample))
        result = await speak(
            client,
            text="Every registered voice should keep its own character when it reads this line.",
            voice=pb.VoiceSelection(profile=voice.profile),
        )
        f0[name] = median_f0(await artifacts.download(result.audio, tmp_path / f"{name}.wav"))
    reference_gap = median_f0(references["high"]) - median_f0(references["low"])
    assert reference_gap > 100
    assert f0["high"] - f0["low"] >= 0.5 * reference_gap


async def test_profile_language_is_the_default(client: EmbeddedClient, artifacts: LocalArtifactStore) -> None:
    profile = {
        "schema": "studio.voice-profile/1", "name": "x", "language": "pt-br", "reference": {"key": "r.wav"},
        "sample_rate": 24000, "duration_seconds": 12.0, "median_f0_hz": 120.0, "f0_p10_hz": 100.0,
        "f0_p90_hz": 140.0, "speaking_rate": 4.0, "loudness_dbfs": -20.0, "source_sha256": "", "warnings": [],
    }  # fmt: skip
    ref = await artifacts.put_bytes("voices/x.json", json.dumps(profile).encode())
    result = await speak(client, text="inteligência", voice=pb.VoiceSelection(profile=ref))
    assert [w.word for w in result.words] == ["inteligência"]
    assert any(p.phoneme == "ʒ" for p in result.phonemes)  # Portuguese, not English, pronunciation


async def test_presets_and_long_text(client: EmbeddedClient) -> None:
    result = await speak(client, text="Bom dia.", language="pt-br", voice=pb.VoiceSelection(preset="pt-br+f3"))
    assert result.duration_seconds > 0.3
    long_text = " ".join(f"This is sentence number {i} of a long narration." for i in range(40))
    long = await speak(client, text=long_text)
    assert len(long.words) == len(long_text.split())
    assert_monotonic([(w.word, w.start_seconds, w.end_seconds) for w in long.words], long.duration_seconds)


@pytest.mark.parametrize(
    ("fields", "error", "message"),
    [
        ({"text": ""}, InvalidInput, "text: is empty"),
        ({"text": "x" * 20001}, InvalidInput, "over the limit"),
        ({"text": "hi", "sample_rate": 12345}, InvalidInput, "sample_rate: 12345 Hz is not accepted"),
        ({"text": "hi", "format": 42}, InvalidInput, "format"),
        ({"text": "hi", "language": "zz-top"}, InvalidInput, "language"),
        ({"text": "hi", "backend": "polly"}, InvalidInput, "unknown speech backend 'polly'"),
        ({"text": "hi", "backend": "elevenlabs"}, FailedPrecondition, "no ElevenLabs key is configured"),
        ({"text": "hi", "backend": "chatterbox"}, ModelNotInstalled, "studio models download"),
        ({"text": "hi", "parameters": pb.SpeechParameters(speed=0)}, InvalidInput, "speed"),
        ({"text": "hi", "parameters": pb.SpeechParameters(speed=float("nan"))}, InvalidInput, "finite"),
        ({"text": "hi", "voice": pb.VoiceSelection(preset="nope+zz")}, InvalidInput, "preset"),
        ({"text": "hi", "voice": pb.VoiceSelection(profile=ArtifactRef(key="no/such.json"))}, NotFound, "not found"),
        ({"text": "hi", "voice": pb.VoiceSelection(profile=ArtifactRef())}, InvalidInput, "missing key"),
    ],
)
async def test_bad_requests(
    client: EmbeddedClient, artifacts: LocalArtifactStore, fields: dict[str, object], error: type, message: str
) -> None:
    before = stored_keys(artifacts)
    with pytest.raises(error, match=message):
        await speak(client, **fields)
    assert stored_keys(artifacts) == before


@pytest.mark.parametrize(
    "content", [b"not json", b'{"schema": "other"}', b"[1, 2]", b'{"schema": "studio.voice-profile/1"}']
)
async def test_artifacts_that_are_not_profiles(
    client: EmbeddedClient, artifacts: LocalArtifactStore, content: bytes
) -> None:
    ref = await artifacts.put_bytes("voices/bad.json", content)
    with pytest.raises(InvalidInput, match=r"voice\.profile"):
        await speak(client, text="hi", voice=pb.VoiceSelection(profile=ref))


async def test_list_models(client: EmbeddedClient) -> None:
    response: pb.ListAudioModelsResponse = await client.call("ListAudioModels", pb.ListAudioModelsRequest())
    by_name = {m.name: m for m in response.models}
    assert by_name["espeak-ng"].installed and by_name["synth"].installed
    assert {"chatterbox", "chatterbox-multilingual", "musicgen-small"} <= set(by_name)
    assert not by_name["chatterbox"].installed
    assert {m.task for m in response.models} == {"tts", "music"}
