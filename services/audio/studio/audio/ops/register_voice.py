"""RegisterVoice: reference sample -> cleaned reference + voice profile JSON.

Everything is validated before anything is written, so a rejected sample leaves no artifact.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import soundfile as sf

from studio.audio.ops.common import check_language
from studio.audio.runtime import AudioRuntime
from studio.audio.voices import VoiceProfile, clean_sample, probe_sample
from studio.core.errors import InvalidInput
from studio.core.operations import OperationContext
from studio.v1.audio_pb2 import RegisterVoiceRequest, RegisterVoiceResult

MAX_NAME = 100


async def register_voice(
    request: RegisterVoiceRequest, ctx: OperationContext, runtime: AudioRuntime
) -> RegisterVoiceResult:
    settings = runtime.settings
    if not request.sample.key:
        raise InvalidInput("sample: missing; upload a recording of the voice (wav, mp3, flac, ogg, m4a or webm)")
    name = " ".join(request.name.split())
    if len(name) > MAX_NAME:
        raise InvalidInput(f"name: {len(name)} characters is over the limit of {MAX_NAME}")
    language = check_language(request.language)
    stat = await ctx.artifacts.stat(request.sample.key)
    if stat.size > settings.max_sample_bytes:
        raise InvalidInput(
            f"sample is {stat.size / 1e6:.1f} MB; the limit is {settings.max_sample_bytes / 1e6:g} MB "
            f"— send a shorter or compressed excerpt"
        )
    await ctx.progress(0.05, "reading", force=True)
    with tempfile.TemporaryDirectory(prefix="studio-voice-") as tmp:
        workdir = Path(tmp)
        source = await ctx.artifacts.download(request.sample.key, workdir / "sample")
        info = await probe_sample(source)
        await ctx.progress(0.2, "analysing", force=True)
        clean = await asyncio.to_thread(
            clean_sample, source, info, settings.sample_rate, settings.min_sample_seconds, settings.max_sample_seconds
        )
        ctx.raise_if_cancelled()
        reference_path = workdir / "reference.wav"
        await asyncio.to_thread(sf.write, reference_path, clean.samples, clean.sample_rate, "PCM_16")
        await ctx.progress(0.8, "storing", force=True)
        reference = await ctx.artifacts.put_file(ctx.output_key("reference.wav"), reference_path, "audio/wav")
    profile = VoiceProfile(
        name=name,
        language=language,
        reference={
            "bucket": reference.bucket,
            "key": reference.key,
            "content_type": reference.content_type,
            "size": reference.size,
            "sha256": reference.sha256,
        },
        sample_rate=clean.sample_rate,
        duration_seconds=round(clean.duration, 3),
        median_f0_hz=round(clean.median_f0_hz, 2),
        f0_p10_hz=round(clean.f0_p10_hz, 2),
        f0_p90_hz=round(clean.f0_p90_hz, 2),
        speaking_rate=round(clean.speaking_rate, 3),
        loudness_dbfs=round(clean.loudness_dbfs, 2),
        source_sha256=stat.sha256,
        warnings=clean.warnings,
    )
    try:
        stored = await ctx.artifacts.put_bytes(ctx.output_key("voice.json"), profile.to_json(), "application/json")
    except BaseException:
        await ctx.artifacts.delete(reference.key)  # no half-registered voice
        raise
    return RegisterVoiceResult(
        profile=stored,
        reference=reference,
        duration_seconds=clean.duration,
        median_f0_hz=clean.median_f0_hz,
        speaking_rate=clean.speaking_rate,
        warnings=clean.warnings,
    )
