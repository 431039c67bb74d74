"""GenerateMusic: description + duration -> stereo track."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from studio.audio import media
from studio.audio.backends.base import HostedMusicBackend
from studio.audio.ops.common import check_sample_rate, run_in_thread
from studio.audio.runtime import AudioRuntime
from studio.core.errors import InvalidInput
from studio.core.operations import OperationContext
from studio.core.residency import holding
from studio.v1.audio_pb2 import GenerateMusicRequest, GenerateMusicResult

MAX_DESCRIPTION = 500
MIN_SECONDS = 1.0


async def generate_music(
    request: GenerateMusicRequest, ctx: OperationContext, runtime: AudioRuntime
) -> GenerateMusicResult:
    settings = runtime.settings
    description = " ".join(request.description.split())
    if not description:
        raise InvalidInput("description: is empty; describe the music, e.g. 'calm warm piano'")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"description: {len(description)} characters is over the limit of {MAX_DESCRIPTION}")
    seconds = request.duration_seconds
    if not math.isfinite(seconds) or not MIN_SECONDS <= seconds <= settings.max_music_seconds:
        raise InvalidInput(
            f"duration_seconds: {seconds:g} is out of range; accepted {MIN_SECONDS:g} to {settings.max_music_seconds:g}"
        )
    fmt = media.output_format(request.format)
    rate = check_sample_rate(request.sample_rate or settings.music_sample_rate)
    backend = await runtime.music_backend(request.backend.strip())
    seed = request.seed if request.HasField("seed") else None
    await ctx.progress(0.0, "composing", force=True)
    if isinstance(backend, HostedMusicBackend):
        audio = await backend.compose(description, seconds, rate, seed, ctx)
    else:
        local = backend
        async with holding(local):
            audio = await run_in_thread(
                ctx,
                lambda progress: local.generate(description, seconds, rate, seed, progress),
                stage="composing",
                end=0.9,
            )
    ctx.raise_if_cancelled()
    await ctx.progress(0.92, "encoding", force=True)
    with tempfile.TemporaryDirectory(prefix="studio-music-") as tmp:
        path = Path(tmp) / f"music.{fmt.extension}"
        stored_rate = await run_in_thread(
            ctx, lambda _: media.encode(audio, rate, fmt, path), stage="encoding", start=0.92, end=0.99
        )
        ref = await ctx.artifacts.put_file(ctx.output_key(path.name), path, fmt.content_type)
    return GenerateMusicResult(
        audio=ref,
        duration_seconds=len(audio) / rate,
        sample_rate=stored_rate,
        channels=int(audio.shape[1]),
        backend=backend.name,
    )
