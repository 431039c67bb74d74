"""Voice references and profiles: cleaning a sample, measuring it, and the profile JSON.

A profile is a small JSON artifact the gateway keeps in its voice catalogue and sends
back with every request, so the service stays stateless (fields documented in docs/audio.md).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.audio import analysis, media
from studio.core.errors import InvalidInput
from studio.core.media import AUDIO, MediaInfo, probe, require, unsupported
from studio.v1.common_pb2 import ArtifactRef

SCHEMA = "studio.voice-profile/1"
#: References shorter than this still work, but cloning is better above it.
RECOMMENDED_SECONDS = 15.0
#: Fraction of voiced frames below which a sample is not treated as speech.
MIN_VOICED_FRACTION = 0.05


@dataclass(frozen=True)
class VoiceProfile:
    name: str
    language: str
    reference: dict[str, Any]
    sample_rate: int
    duration_seconds: float
    median_f0_hz: float
    f0_p10_hz: float
    f0_p90_hz: float
    speaking_rate: float
    loudness_dbfs: float
    source_sha256: str
    warnings: list[str] = field(default_factory=list)
    schema: str = SCHEMA

    @property
    def reference_ref(self) -> ArtifactRef:
        return ArtifactRef(**self.reference)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: bytes) -> VoiceProfile:
        """Parse a stored profile; InvalidInput if the artifact is not one."""
        try:
            raw = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidInput(
                "voice.profile: is not a voice profile (not JSON); pass RegisterVoice's profile"
            ) from None
        if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
            raise InvalidInput(f"voice.profile: is not a voice profile (schema {SCHEMA!r} expected)")
        try:
            profile = cls(**raw)
            reference = profile.reference_ref
        except (TypeError, ValueError) as error:
            raise InvalidInput(f"voice.profile: malformed voice profile ({error})") from None
        if not reference.key or profile.median_f0_hz <= 0:
            raise InvalidInput("voice.profile: malformed voice profile (no reference or pitch)")
        return profile


@dataclass(frozen=True)
class CleanSample:
    """A reference ready to store: mono float32 at `sample_rate`, and what was measured on it."""

    samples: np.ndarray
    sample_rate: int
    median_f0_hz: float
    f0_p10_hz: float
    f0_p90_hz: float
    speaking_rate: float
    loudness_dbfs: float
    warnings: list[str]

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate


async def probe_sample(path: Path) -> MediaInfo:
    """The sample's container and streams (studio.core.media); InvalidInput when it is not audio."""
    info = await probe(path, require(path, AUDIO, "sample"), "sample")
    if not info.has_audio:
        raise InvalidInput(unsupported(AUDIO, "sample"))
    return info


def clean_sample(path: Path, info: MediaInfo, sample_rate: int, min_seconds: float, max_seconds: float) -> CleanSample:
    """Validate and clean a probed voice sample: decode, trim silence, downmix, resample, normalise, measure.

    Raises InvalidInput naming the problem: too long, silent, too short, not speech.
    """
    declared = info.audio_duration
    if declared > max_seconds + 0.5:
        raise InvalidInput(
            f"sample is {declared:.0f} s long; the limit is {max_seconds / 60:.0f} minutes — send a shorter excerpt"
        )
    raw = media.decode(path, sample_rate, channels=1, max_seconds=max_seconds + 1.0)
    if len(raw) / sample_rate > max_seconds + 0.5:
        raise InvalidInput(f"sample is longer than the limit of {max_seconds / 60:.0f} minutes")
    if len(raw) == 0 or float(np.max(np.abs(raw))) < 1e-4 or analysis.speech_level_db(raw, sample_rate) < -60:
        raise InvalidInput("sample is silent: no speech was found; record the voice closer to the microphone")
    warnings: list[str] = []
    if float(np.mean(np.abs(raw) >= 0.999)) > 0.001:
        warnings.append("the recording is clipped (distorted); a cleaner take clones better")
    trimmed = analysis.trim_silence(raw, sample_rate)
    seconds = len(trimmed) / sample_rate
    if seconds < min_seconds:
        raise InvalidInput(
            f"sample has {seconds:.1f} s of speech after trimming silence; the minimum is {min_seconds:g} s "
            f"(15 s or more clones best)"
        )
    if seconds < RECOMMENDED_SECONDS:
        warnings.append(f"{seconds:.1f} s of speech: 15 s or more clones best")
    cleaned = analysis.normalise_loudness(trimmed, sample_rate)
    track = analysis.pitch_track(cleaned, sample_rate)
    if track.f0.size == 0 or track.voiced.size < MIN_VOICED_FRACTION * track.f0.size:
        raise InvalidInput(
            "sample has no voiced speech (is it noise or music?); send a recording of one person speaking"
        )
    return CleanSample(
        samples=cleaned,
        sample_rate=sample_rate,
        median_f0_hz=track.median(),
        f0_p10_hz=track.percentile(10),
        f0_p90_hz=track.percentile(90),
        speaking_rate=analysis.speaking_rate(cleaned, sample_rate),
        loudness_dbfs=analysis.speech_level_db(cleaned, sample_rate),
        warnings=warnings,
    )
