"""The `elevenlabs` speech backend: eleven_multilingual_v2 through /with-timestamps, with instant voice clones.

Audio comes back as 24 kHz PCM with a per-character alignment; words are the
text's whitespace tokens timed from their first to last character, and each
letter becomes a phoneme-like span (letters map onto mouth shapes well enough for
the talking heads), with pauses between words.

A registered voice (a profile with its cleaned reference) is cloned once per
ElevenLabs account through /v1/voices/add; the voice id is kept in the artifact
store under the account's fingerprint, so every replica reuses it. Presets are
ElevenLabs voice ids; lite-backend presets such as espeak's "pt-br+f3" map to the
configured default female ("+f") or male voice, so a screenplay written for the
lite backend also renders here.

The studio's speech parameters map onto ElevenLabs' voice settings:
speed -> speed (0.7..1.2), cfg_weight -> similarity_boost, exaggeration -> style,
temperature -> stability = 1 - temperature / 2 (more temperature, less stable), seed -> seed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

import numpy as np
from elevenlabs import AsyncElevenLabs, VoiceSettings

from studio.audio.backends.base import SpeechJob
from studio.audio.speech import Span, Speech
from studio.core.costs import priced
from studio.core.errors import InvalidInput, ProviderFailed
from studio.core.operations import OperationContext
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.secrets import resolve_key
from studio.core.providers.settings import ProviderSettings
from studio.core.providers.transport import Answer, Failure, Kind, api_client, http_convention, provider_errors
from studio.v1.common_pb2 import CostItem, ModelInfo

ELEVENLABS = PROVIDERS["elevenlabs"]
MODEL = "eleven_multilingual_v2"
SAMPLE_RATE = 24000
OUTPUT_FORMAT = f"pcm_{SAMPLE_RATE}"
#: ElevenLabs voice ids: 20 letters and digits.
_VOICE_ID = re.compile(r"^[A-Za-z0-9]{20}$")
_FEMALE_PRESET = re.compile(r"\+f\d*$", re.IGNORECASE)
#: Voices every account has (ElevenLabs' premade voices "Sarah" and "George").
DEFAULT_FEMALE = "EXAVITQu4vr4xnAvTxp6"
DEFAULT_MALE = "JBFqnCBsd6RMkjVDRZzb"
SPEED_RANGE = (0.7, 1.2)
_AUTH = {"invalid_api_key", "missing_permissions", "unauthorized", "detected_unusual_activity"}
_QUOTA = {"quota_exceeded", "payment_required", "insufficient_credits", "credits_exhausted"}
_RETRY = {"too_many_concurrent_requests", "system_busy", "rate_limit_exceeded"}


def elevenlabs_convention(answer: Answer) -> Failure | None:
    """ElevenLabs' errors: {"detail": {"status": "quota_exceeded", "message": "..."}} or a 422 detail list."""
    failure = http_convention(answer)
    if failure is None:
        return None
    body = answer.json()
    detail = body.get("detail") if isinstance(body, dict) else None
    status = str(detail.get("status", "")) if isinstance(detail, dict) else ""
    if status in _AUTH:
        return Failure(Kind.AUTH, failure.detail, status)
    if status in _QUOTA:
        return Failure(Kind.QUOTA, failure.detail, status)
    if status in _RETRY:
        return Failure(Kind.RETRY, failure.detail, answer.status)
    if any(word in status for word in ("policy", "moderation", "safety", "blocked")):
        return Failure(Kind.POLICY, failure.detail, status)
    return failure


def clamp01(value: float) -> float:
    return max(0.0, min(1.0, value))


def alignment_spans(
    text: str, chars: list[str], starts: list[float], ends: list[float]
) -> tuple[list[Span], list[Span]]:
    """Words (whitespace tokens, punctuation kept for subtitles) and letter spans from a character alignment."""
    if not (len(chars) == len(starts) == len(ends)):
        raise ProviderFailed("ElevenLabs returned an alignment whose lists differ in length")
    words: list[Span] = []
    phonemes: list[Span] = []
    token, token_start, token_end = "", 0.0, 0.0
    for char, start, end in zip(chars, starts, ends, strict=True):
        if char.isspace():
            if token:
                words.append(Span(token, token_start, token_end))
                token = ""
            if phonemes and phonemes[-1].label == "_":
                phonemes[-1] = Span("_", phonemes[-1].start, end)
            else:
                phonemes.append(Span("_", start, end))
            continue
        if not token:
            token_start = start
        token += char
        token_end = end
        if char.isalpha():
            phonemes.append(Span(char.lower(), start, end))
    if token:
        words.append(Span(token, token_start, token_end))
    return words, phonemes


class ElevenLabsBackend:
    """Hosted speech; see the module docstring for how alignment, voices and parameters map."""

    name = "elevenlabs"
    #: Multilingual v2 takes 10,000 characters a request; smaller chunks report progress sooner.
    chunk_chars = 2500
    crossfade = 0.01
    needs_reference = True

    def __init__(self, settings: ProviderSettings, female_voice: str = DEFAULT_FEMALE, male_voice: str = DEFAULT_MALE):
        self.settings = settings
        self.female_voice = female_voice
        self.male_voice = male_voice

    def load(self) -> None:
        return None  # nothing to load: the key is checked when a job uses it

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name=MODEL,
                backend=self.name,
                task="tts",
                installed=bool(self.settings.key(ELEVENLABS)),
                description="ElevenLabs Multilingual v2 (29 languages), instant voice cloning; hosted",
            )
        ]

    def estimate(self, characters: int) -> list[CostItem]:
        """ElevenLabs bills characters (instant clones are part of the plan: no per-call price)."""
        return [priced(f"elevenlabs:{MODEL}", characters / 1000, "estimate", self.settings)]

    def check(self, job: SpeechJob) -> None:
        low, high = SPEED_RANGE
        if not low <= job.params.speed <= high:
            raise InvalidInput(
                f"parameters.speed: {job.params.speed:g} is out of range; ElevenLabs accepts {low}..{high}"
            )
        for name in ("cfg_weight", "exaggeration"):
            value = getattr(job.params, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise InvalidInput(f"parameters.{name}: {value:g} is out of range; ElevenLabs accepts 0..1")
        if job.params.temperature is not None and not 0.0 <= job.params.temperature <= 2.0:
            raise InvalidInput(f"parameters.temperature: {job.params.temperature:g}; ElevenLabs accepts 0..2")

    def preset_voice(self, preset: str) -> str:
        if not preset:
            return self.female_voice
        if _VOICE_ID.match(preset):
            return preset
        if re.match(r"^[a-z]{2,3}(-[a-z0-9]+)*(\+[a-z0-9]+)?$", preset, re.IGNORECASE):
            return self.female_voice if _FEMALE_PRESET.search(preset) else self.male_voice
        raise InvalidInput(
            f"voice.preset: {preset[:40]!r} is not an ElevenLabs voice id (20 letters and digits, "
            f"e.g. {DEFAULT_MALE}); register a voice sample to clone one"
        )

    def voice_settings(self, job: SpeechJob) -> VoiceSettings:
        p = job.params
        return VoiceSettings(
            speed=p.speed,
            similarity_boost=p.cfg_weight,
            style=p.exaggeration,
            stability=None if p.temperature is None else clamp01(1.0 - p.temperature / 2.0),
        )

    async def speak(self, text: str, job: SpeechJob, ctx: OperationContext) -> Speech:
        key = resolve_key(
            ELEVENLABS.name,
            ELEVENLABS.title,
            self.settings.key(ELEVENLABS),
            ctx.credentials,
            ELEVENLABS.key_variables(),
        )
        async with (
            api_client(
                ELEVENLABS, self.settings, headers={"xi-api-key": key}, convention=elevenlabs_convention
            ) as http,
            provider_errors(ELEVENLABS),
        ):
            client = AsyncElevenLabs(
                api_key=key,
                base_url=str(http.base_url).rstrip("/"),
                httpx_client=http,
                timeout=self.settings.provider_request_timeout,
            )
            voice = await self._voice(client, job, key, ctx)
            response = await client.text_to_speech.convert_with_timestamps(
                voice_id=voice,
                text=text,
                model_id=MODEL,
                output_format=OUTPUT_FORMAT,  # type: ignore[arg-type]
                voice_settings=self.voice_settings(job),
                seed=job.params.seed if job.params.seed is not None else None,
                request_options={"max_retries": 0},
            )
        audio = base64.b64decode(response.audio_base_64 or "")
        if not audio:
            raise ProviderFailed("ElevenLabs returned no audio")
        samples = np.frombuffer(audio[: len(audio) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
        alignment = response.alignment
        if alignment is None:
            raise ProviderFailed("ElevenLabs returned no character alignment")
        words, phonemes = alignment_spans(
            text,
            list(alignment.characters),
            list(alignment.character_start_times_seconds),
            list(alignment.character_end_times_seconds),
        )
        for item in self.estimate(len(text)):
            ctx.costs.add(item)
        return Speech(samples, SAMPLE_RATE, words, phonemes)

    async def _voice(self, client: AsyncElevenLabs, job: SpeechJob, key: str, ctx: OperationContext) -> str:
        """The voice id to speak with: the preset's, or the registered voice's clone on this account."""
        if job.profile is None:
            return self.preset_voice(job.preset)
        account = hashlib.sha256(key.encode()).hexdigest()[:16]
        record = (
            f"providers/elevenlabs/voices/{account}/{job.profile.reference['sha256'] or job.profile.source_sha256}.json"
        )
        if await ctx.artifacts.exists(record):
            known: dict[str, Any] = json.loads(await ctx.artifacts.get_bytes(record))
            return str(known["voice_id"])
        if job.reference is None:
            raise InvalidInput("voice.profile: its reference sample is missing; register the voice again")
        await ctx.progress(0.02, "cloning", "instant voice clone at ElevenLabs", force=True)
        created = await client.voices.ivc.create(
            name=(job.profile.name or "studio voice")[:100],
            files=[("reference.wav", job.reference.read_bytes(), "audio/wav")],
            description="registered with Media Studio",
            request_options={"max_retries": 0},
        )
        voice_id = str(created.voice_id)
        await ctx.artifacts.put_bytes(record, json.dumps({"voice_id": voice_id}).encode(), "application/json")
        return voice_id
