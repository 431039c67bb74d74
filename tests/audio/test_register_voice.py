"""RegisterVoice: a clean reference and a profile for good samples, a clear error and no artifact for bad ones."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.audio.settings import AudioSettings
from studio.audio.voices import SCHEMA, VoiceProfile
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.errors import InvalidInput, NotFound
from studio.v1 import audio_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef
from tests.audio.conftest import stored_keys


async def upload(artifacts: LocalArtifactStore, path: Path) -> ArtifactRef:
    return await artifacts.put_file(f"inputs/{path.name}", path)


async def register(client: EmbeddedClient, artifacts: LocalArtifactStore, path: Path) -> pb.RegisterVoiceResult:
    sample = await upload(artifacts, path)
    result: pb.RegisterVoiceResult = await client.call(
        "RegisterVoice", pb.RegisterVoiceRequest(sample=sample, name="Narrator", language="en")
    )
    return result


async def test_profile_describes_a_cleaned_reference(
    client: EmbeddedClient, artifacts: LocalArtifactStore, references: dict[str, Path], tmp_path: Path
) -> None:
    progress: list[float] = []
    sample = await upload(artifacts, references["high"])

    async def on_progress(message: object) -> None:
        progress.append(message.fraction)  # type: ignore[attr-defined]

    result: pb.RegisterVoiceResult = await client.call(
        "RegisterVoice", pb.RegisterVoiceRequest(sample=sample, name="  Ana  Maria ", language="pt-BR"), on_progress
    )
    assert progress and progress == sorted(progress)
    assert 190 < result.median_f0_hz < 260
    assert result.speaking_rate > 1
    assert result.warnings  # ~14 s of speech: below the 15 s that clones best
    raw = json.loads(await artifacts.get_bytes(result.profile))
    assert raw["schema"] == SCHEMA and raw["name"] == "Ana Maria" and raw["language"] == "pt-br"
    assert raw["reference"]["key"] == result.reference.key and raw["reference"]["sha256"] == result.reference.sha256
    profile = VoiceProfile.from_json(await artifacts.get_bytes(result.profile))
    assert profile.median_f0_hz == pytest.approx(result.median_f0_hz, abs=0.01)
    reference = await artifacts.download(result.reference, tmp_path / "ref.wav")
    info = sf.info(reference)
    assert (info.channels, info.samplerate, info.subtype) == (1, 24000, "PCM_16")
    assert info.duration == pytest.approx(result.duration_seconds, abs=0.01)
    assert info.duration < sf.info(references["high"]).duration  # silence was trimmed
    samples, _ = sf.read(reference)
    assert np.max(np.abs(samples)) <= 0.9 and np.sqrt(np.mean(samples**2)) > 0.03  # normalised


async def test_compressed_stereo_samples_are_accepted(
    client: EmbeddedClient, artifacts: LocalArtifactStore, references: dict[str, Path], tmp_path: Path
) -> None:
    m4a = tmp_path / "voice.m4a"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(references["low"]), "-ac", "2", "-c:a", "aac", str(m4a)], check=True
    )
    result = await register(client, artifacts, m4a)
    assert 60 < result.median_f0_hz < 100


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("text", "not audio"),
        ("short", "minimum is 10 s .*15 s or more clones best"),
        ("silent", "silent"),
        ("noise", "no voiced speech"),
    ],
)
async def test_bad_samples_are_rejected_and_leave_nothing(
    client: EmbeddedClient, artifacts: LocalArtifactStore, references: dict[str, Path], name: str, message: str
) -> None:
    sample = await upload(artifacts, references[name])
    before = stored_keys(artifacts)
    with pytest.raises(InvalidInput, match=message):
        await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=sample))
    assert stored_keys(artifacts) == before


@pytest.mark.parametrize(
    "playlist",
    [
        "#EXTM3U\n#EXT-X-TARGETDURATION:60\n#EXTINF:60,\nfile://{path}\n#EXT-X-ENDLIST\n",
        "ffconcat version 1.0\nfile '{path}'\n",
    ],
    ids=["hls", "concat"],
)
async def test_playlists_cannot_make_ffmpeg_read_other_files(
    client: EmbeddedClient,
    artifacts: LocalArtifactStore,
    references: dict[str, Path],
    tmp_path: Path,
    playlist: str,
) -> None:
    """A text playlist naming a real recording is refused, never followed to the file it names."""
    disguised = tmp_path / "sample.wav"
    disguised.write_text(playlist.format(path=references["low"].resolve()))
    sample = await upload(artifacts, disguised)
    before = stored_keys(artifacts)
    with pytest.raises(InvalidInput, match="not audio"):
        await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=sample))
    assert stored_keys(artifacts) == before


async def test_samples_over_five_minutes_are_rejected(
    client: EmbeddedClient, artifacts: LocalArtifactStore, tmp_path: Path
) -> None:
    long = tmp_path / "long.flac"
    rate = 8000
    t = np.arange(rate * 301) / rate
    sf.write(long, (0.2 * np.sin(2 * np.pi * 120 * t)).astype(np.float32), rate)
    sample = await upload(artifacts, long)
    before = stored_keys(artifacts)
    with pytest.raises(InvalidInput, match="limit is 5 minutes"):
        await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=sample))
    assert stored_keys(artifacts) == before


@pytest.mark.parametrize("audio_settings", [AudioSettings(max_sample_bytes=100_000)])
async def test_oversized_uploads_are_rejected_before_download(
    client: EmbeddedClient, artifacts: LocalArtifactStore, references: dict[str, Path]
) -> None:
    sample = await upload(artifacts, references["low"])
    with pytest.raises(InvalidInput, match=r"sample is 0\.\d MB; the limit is 0\.1 MB"):
        await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=sample))


@pytest.mark.parametrize("audio_settings", [AudioSettings(min_sample_seconds=2.0)])
async def test_minimum_is_configurable(
    client: EmbeddedClient, artifacts: LocalArtifactStore, references: dict[str, Path]
) -> None:
    result = await register(client, artifacts, references["short"])
    assert any("15 s" in warning for warning in result.warnings)


async def test_request_errors(client: EmbeddedClient, artifacts: LocalArtifactStore) -> None:
    with pytest.raises(InvalidInput, match="sample: missing"):
        await client.call("RegisterVoice", pb.RegisterVoiceRequest())
    with pytest.raises(NotFound):
        await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=ArtifactRef(key="inputs/nothing.wav")))
    with pytest.raises(InvalidInput, match="invalid artifact key"):
        await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=ArtifactRef(key="../../etc/passwd")))
    with pytest.raises(InvalidInput, match="language"):
        await client.call(
            "RegisterVoice", pb.RegisterVoiceRequest(sample=ArtifactRef(key="x.wav"), language="<script>")
        )
    with pytest.raises(InvalidInput, match="name"):
        await client.call("RegisterVoice", pb.RegisterVoiceRequest(sample=ArtifactRef(key="x.wav"), name="n" * 101))
