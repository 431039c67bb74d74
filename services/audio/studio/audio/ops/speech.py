"""Synthesize and StreamSpeech: one plan, one chunk loop, two ways of delivering the audio."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from studio.audio import media
from studio.audio.backends.base import HostedSpeechBackend, SpeechJob, SpeechParams
from studio.audio.ops.common import check_finite, check_language, check_sample_rate
from studio.audio.runtime import AudioRuntime, SpeechBackends
from studio.audio.speech import Joiner, Speech, trim_tail
from studio.audio.text import clean_text, split_chunks
from studio.audio.voices import VoiceProfile
from studio.core.errors import InvalidInput
from studio.core.operations import OperationContext
from studio.core.residency import holding
from studio.v1.audio_pb2 import (
    AudioChunk,
    SpeechParameters,
    StreamSpeechRequest,
    StreamSpeechResponse,
    SynthesizeRequest,
    SynthesizeResult,
)
from studio.v1.common_pb2 import ArtifactRef, Progress

MAX_PROFILE_BYTES = 64 * 1024


@dataclass(frozen=True)
class SpeechPlan:
    backend: SpeechBackends
    job: SpeechJob
    chunks: list[str]
    sample_rate: int
    fmt: media.OutputFormat


def speech_params(message: SpeechParameters) -> SpeechParams:
    def optional(name: str) -> float | None:
        return check_finite(getattr(message, name), f"parameters.{name}") if message.HasField(name) else None

    speed = optional("speed")
    if speed is not None and speed <= 0:
        raise InvalidInput("parameters.speed: must be above 0 (1.0 = natural)")
    return SpeechParams(
        cfg_weight=optional("cfg_weight"),
        temperature=optional("temperature"),
        exaggeration=optional("exaggeration"),
        speed=1.0 if speed is None else speed,
        seed=message.seed if message.HasField("seed") else None,
    )


async def load_profile(ctx: OperationContext, ref: ArtifactRef) -> VoiceProfile:
    if not ref.key:
        raise InvalidInput("voice.profile: missing key; pass the profile RegisterVoice returned")
    stat = await ctx.artifacts.stat(ref.key)
    if stat.size > MAX_PROFILE_BYTES:
        raise InvalidInput("voice.profile: is not a voice profile (too large); pass the profile RegisterVoice returned")
    return VoiceProfile.from_json(await ctx.artifacts.get_bytes(ref.key))


async def plan_speech(
    request: SynthesizeRequest, ctx: OperationContext, runtime: AudioRuntime, workdir: Path
) -> SpeechPlan:
    """Validate everything about a request (cheap checks first) and resolve backend and voice."""
    settings = runtime.settings
    text = clean_text(request.text, settings.max_text_chars)
    fmt = media.output_format(request.format)
    rate = check_sample_rate(request.sample_rate or settings.sample_rate)
    params = speech_params(request.parameters)
    language = check_language(request.language)
    backend = await runtime.speech_backend(request.backend.strip())
    profile: VoiceProfile | None = None
    preset = ""
    source = request.voice.WhichOneof("source")
    if source == "profile":
        profile = await load_profile(ctx, request.voice.profile)
    elif source == "preset":
        preset = request.voice.preset.strip()
    job = SpeechJob(
        language=language or (profile.language if profile else "") or settings.language,
        params=params,
        profile=profile,
        preset=preset,
    )
    await asyncio.to_thread(backend.check, job)
    if backend.needs_reference and profile is not None:
        reference = await ctx.artifacts.download(profile.reference_ref, workdir / "reference.wav")
        job = replace(job, reference=reference)
    return SpeechPlan(backend, job, split_chunks(text, backend.chunk_chars), rate, fmt)


def _finish(plan: SpeechPlan, index: int, part: Speech) -> Speech:
    if index == len(plan.chunks) - 1:
        part = trim_tail(part)
    return part.resampled(plan.sample_rate)


async def speak(plan: SpeechPlan, ctx: OperationContext) -> AsyncIterator[tuple[int, Speech]]:
    """Synthesize chunk by chunk, yielding each at the output rate as soon as it exists.

    Local backends run in a thread; hosted ones are awaited (no thread waits on a provider).
    """
    backend = plan.backend
    for index in range(len(plan.chunks)):
        ctx.raise_if_cancelled()
        if isinstance(backend, HostedSpeechBackend):
            part = await backend.speak(plan.chunks[index], plan.job, ctx)
        else:
            part = await asyncio.to_thread(backend.synthesize, plan.chunks[index], plan.job)
        yield index, await asyncio.to_thread(_finish, plan, index, part)


async def store(plan: SpeechPlan, speech: Speech, ctx: OperationContext, workdir: Path) -> SynthesizeResult:
    path = workdir / f"speech.{plan.fmt.extension}"
    stored_rate = await asyncio.to_thread(media.encode, speech.samples, speech.sample_rate, plan.fmt, path)
    ref = await ctx.artifacts.put_file(ctx.output_key(path.name), path, plan.fmt.content_type)
    return SynthesizeResult(
        audio=ref,
        duration_seconds=speech.duration,
        sample_rate=stored_rate,
        words=speech.word_timings(),
        phonemes=speech.phoneme_timings(),
        backend=plan.backend.name,
    )


async def synthesize(request: SynthesizeRequest, ctx: OperationContext, runtime: AudioRuntime) -> SynthesizeResult:
    with tempfile.TemporaryDirectory(prefix="studio-speech-") as tmp:
        workdir = Path(tmp)
        plan = await plan_speech(request, ctx, runtime, workdir)
        joiner = Joiner(plan.sample_rate, plan.backend.crossfade)
        async with holding(plan.backend):
            async for index, part in speak(plan, ctx):
                joiner.add(part)
                await ctx.progress(
                    0.9 * (index + 1) / len(plan.chunks), "synthesizing", f"{index + 1}/{len(plan.chunks)}"
                )
        speech = joiner.finish()
        await ctx.progress(0.95, "encoding", force=True)
        return await store(plan, speech, ctx, workdir)


async def stream_speech(
    request: StreamSpeechRequest, ctx: OperationContext, runtime: AudioRuntime
) -> AsyncIterator[StreamSpeechResponse]:
    """PCM chunks as each text chunk is synthesized, then the stored result (same audio as Synthesize)."""
    with tempfile.TemporaryDirectory(prefix="studio-stream-") as tmp:
        workdir = Path(tmp)
        plan = await plan_speech(request.synthesis, ctx, runtime, workdir)
        joiner = Joiner(plan.sample_rate, plan.backend.crossfade)
        position = 0
        async with holding(plan.backend):
            async for index, part in speak(plan, ctx):
                ready = joiner.add(part)
                if len(ready):
                    yield _chunk(ready, plan.sample_rate, position)
                    position += len(ready)
                fraction = 0.9 * (index + 1) / len(plan.chunks)
                yield StreamSpeechResponse(progress=Progress(fraction=fraction, stage="synthesizing"))
        speech = joiner.finish()
        rest = speech.samples[position:]
        if len(rest):
            yield _chunk(rest, plan.sample_rate, position)
        yield StreamSpeechResponse(result=await store(plan, speech, ctx, workdir))


def _chunk(samples: np.ndarray, rate: int, position: int) -> StreamSpeechResponse:
    pcm = media.to_int16(samples).tobytes()
    return StreamSpeechResponse(
        chunk=AudioChunk(pcm_s16le=pcm, sample_rate=rate, channels=1, start_seconds=position / rate)
    )
