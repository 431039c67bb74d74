"""Instant model servers for gateway tests: the real proto operations, trivial real outputs.

Each handler writes a genuine (tiny) WAV, PNG or MP4 into the artifact store, so the
gateway's asset bookkeeping and downloads are exercised for real; speech comes in the
requested format, encoded by the audio service's own encoder. Markers in the
request text steer behaviour: "[slow]" reports progress over about a second,
"[hold]" keeps running (reporting progress) until cancelled or for at most a minute,
"[fail]" raises InvalidInput, "[crash]" raises an unexpected error.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import shutil
import struct
import subprocess
import tempfile
import wave
from functools import cache
from pathlib import Path

import numpy as np

from studio.audio import media
from studio.core.artifacts.base import ArtifactStore
from studio.core.errors import InvalidInput
from studio.core.operations import Operation, OperationContext, ServiceDefinition
from studio.v1 import audio_pb2, composer_pb2, image_pb2, video_pb2
from studio.v1.common_pb2 import ArtifactRef, ModelInfo, PhonemeTiming, WordTiming


def wav_bytes(seconds: float = 0.5, rate: int = 16000) -> bytes:
    frames = int(seconds * rate)
    samples = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 220 * i / rate))) for i in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


def png_bytes(size: int = 64, color: tuple[int, int, int] = (200, 120, 40)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, "PNG")
    return buffer.getvalue()


@cache
def mp4_bytes() -> bytes:
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "ffmpeg is needed by the gateway tests (scripts/bootstrap-system.sh installs it)"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clip.mp4"
        subprocess.run(
            [
                ffmpeg,
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=64x64:rate=10",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440",
                "-t",
                "0.5",
                "-c:v",
                "libx264",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-shortest",
                str(out),
            ],
            check=True,
        )
        return out.read_bytes()


#: "[hold]" runs for at most HOLD_STEPS x 0.2 s.
HOLD_STEPS = 300


async def _behave(text: str, ctx: OperationContext) -> None:
    if "[fail]" in text:
        raise InvalidInput("the fake backend refuses requests marked [fail]")
    if "[crash]" in text:
        raise RuntimeError("the fake backend crashed")
    if "[hold]" in text:
        for step in range(1, HOLD_STEPS + 1):
            ctx.raise_if_cancelled()
            await ctx.progress(min(0.95, step / HOLD_STEPS * 2), "holding", f"step {step}", force=True)
            await asyncio.sleep(0.2)
    elif "[slow]" in text:
        for step in range(1, 6):
            await asyncio.sleep(0.2)
            await ctx.progress(step / 6, "working", f"step {step}", force=True)
    else:
        await ctx.progress(0.5, "working", force=True)


def _timings(text: str, seconds: float) -> tuple[list[WordTiming], list[PhonemeTiming]]:
    words = text.split() or ["_"]
    step = seconds / len(words)
    word_timings = [WordTiming(word=w, start_seconds=i * step, end_seconds=(i + 1) * step) for i, w in enumerate(words)]
    phonemes = [
        PhonemeTiming(phoneme="a", start_seconds=w.start_seconds, end_seconds=w.end_seconds) for w in word_timings
    ]
    return word_timings, phonemes


async def _speech(
    ctx: OperationContext, request: audio_pb2.SynthesizeRequest, seconds: float
) -> tuple[ArtifactRef, int]:
    """A tone in the requested format, encoded by the audio service's own encoder (so formats are real)."""
    fmt = media.output_format(request.format)
    rate = request.sample_rate or 16000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"speech.{fmt.extension}"
        tone = 0.25 * np.sin(2 * np.pi * 220 * np.arange(int(seconds * rate)) / rate).astype(np.float32)
        stored_rate = await asyncio.to_thread(media.encode, tone, rate, fmt, path)
        return await ctx.artifacts.put_file(ctx.output_key(path.name), path, fmt.content_type), stored_rate


def audio_service(artifacts: ArtifactStore) -> ServiceDefinition:
    async def register_voice(
        request: audio_pb2.RegisterVoiceRequest, ctx: OperationContext
    ) -> audio_pb2.RegisterVoiceResult:
        sample = await ctx.artifacts.get_bytes(request.sample)  # the upload must really be there
        await _behave(request.name, ctx)
        profile = await ctx.artifacts.put_bytes(
            ctx.output_key("voice.json"),
            json.dumps({"name": request.name, "bytes": len(sample)}).encode(),
            "application/json",
        )
        reference = await ctx.artifacts.put_bytes(ctx.output_key("reference.wav"), wav_bytes(1.0), "audio/wav")
        return audio_pb2.RegisterVoiceResult(
            profile=profile, reference=reference, duration_seconds=1.0, median_f0_hz=180.0, speaking_rate=4.0
        )

    async def synthesize(request: audio_pb2.SynthesizeRequest, ctx: OperationContext) -> audio_pb2.SynthesizeResult:
        await _behave(request.text, ctx)
        if request.voice.HasField("profile"):
            await ctx.artifacts.stat(request.voice.profile.key)
        seconds = 0.5
        audio, rate = await _speech(ctx, request, seconds)
        words, phonemes = _timings(request.text, seconds)
        return audio_pb2.SynthesizeResult(
            audio=audio, duration_seconds=seconds, sample_rate=rate, words=words, phonemes=phonemes, backend="fake"
        )

    async def music(request: audio_pb2.GenerateMusicRequest, ctx: OperationContext) -> audio_pb2.GenerateMusicResult:
        await _behave(request.description, ctx)
        audio = await ctx.artifacts.put_bytes(ctx.output_key("music.wav"), wav_bytes(1.0), "audio/wav")
        return audio_pb2.GenerateMusicResult(
            audio=audio, duration_seconds=1.0, sample_rate=16000, channels=1, backend="fake"
        )

    async def list_models(
        request: audio_pb2.ListAudioModelsRequest, ctx: OperationContext
    ) -> audio_pb2.ListAudioModelsResponse:
        return audio_pb2.ListAudioModelsResponse(
            models=[ModelInfo(name="fake-tts", backend="fake", task="tts", installed=True, description="instant")]
        )

    return ServiceDefinition(
        name="audio",
        grpc_service="studio.v1.AudioService",
        operations=[
            Operation(
                "ListAudioModels",
                audio_pb2.ListAudioModelsRequest,
                audio_pb2.ListAudioModelsResponse,
                list_models,
                unary=True,
            ),
            Operation("RegisterVoice", audio_pb2.RegisterVoiceRequest, audio_pb2.RegisterVoiceResponse, register_voice),
            Operation("Synthesize", audio_pb2.SynthesizeRequest, audio_pb2.SynthesizeResponse, synthesize),
            Operation("GenerateMusic", audio_pb2.GenerateMusicRequest, audio_pb2.GenerateMusicResponse, music),
        ],
    )


def image_service(artifacts: ArtifactStore) -> ServiceDefinition:
    async def generate(request: image_pb2.GenerateRequest, ctx: OperationContext) -> image_pb2.GenerateResult:
        await _behave(request.prompt, ctx)
        images = []
        for index in range(max(1, request.count)):
            ref = await ctx.artifacts.put_bytes(ctx.output_key(f"image-{index}.png"), png_bytes(), "image/png")
            images.append(image_pb2.GeneratedImage(image=ref, seed=request.seed + index, width=64, height=64))
        return image_pb2.GenerateResult(images=images, model="fake", backend="fake", draft=True)

    async def edit(request: image_pb2.EditRequest, ctx: OperationContext) -> image_pb2.EditResult:
        await ctx.artifacts.stat(request.image.key)
        await _behave(request.instruction, ctx)
        ref = await ctx.artifacts.put_bytes(ctx.output_key("edit.png"), png_bytes(color=(10, 200, 10)), "image/png")
        return image_pb2.EditResult(image=image_pb2.GeneratedImage(image=ref, width=64, height=64), backend="fake")

    async def upscale(request: image_pb2.UpscaleRequest, ctx: OperationContext) -> image_pb2.UpscaleResult:
        await ctx.artifacts.stat(request.image.key)
        size = 64 * (request.factor or 2)
        ref = await ctx.artifacts.put_bytes(ctx.output_key("upscaled.png"), png_bytes(size), "image/png")
        return image_pb2.UpscaleResult(
            image=image_pb2.GeneratedImage(image=ref, width=size, height=size), backend="fake"
        )

    return ServiceDefinition(
        name="image",
        grpc_service="studio.v1.ImageService",
        operations=[
            Operation("Generate", image_pb2.GenerateRequest, image_pb2.GenerateResponse, generate),
            Operation("Edit", image_pb2.EditRequest, image_pb2.EditResponse, edit),
            Operation("Upscale", image_pb2.UpscaleRequest, image_pb2.UpscaleResponse, upscale),
        ],
    )


def video_service(artifacts: ArtifactStore) -> ServiceDefinition:
    async def avatar(
        request: video_pb2.CreateAvatarVideoRequest, ctx: OperationContext
    ) -> video_pb2.CreateAvatarVideoResult:
        await ctx.artifacts.stat(request.portrait.key)
        await ctx.artifacts.stat(request.audio.key)
        await _behave(request.backend, ctx)
        ref = await ctx.artifacts.put_bytes(ctx.output_key("avatar.mp4"), mp4_bytes(), "video/mp4")
        return video_pb2.CreateAvatarVideoResult(
            video=ref, duration_seconds=0.5, frames=5, fps=10, width=64, height=64, backend="fake"
        )

    async def animate(request: video_pb2.AnimateRequest, ctx: OperationContext) -> video_pb2.AnimateResult:
        await ctx.artifacts.stat(request.image.key)
        await _behave(request.motion, ctx)
        ref = await ctx.artifacts.put_bytes(ctx.output_key("clip.mp4"), mp4_bytes(), "video/mp4")
        return video_pb2.AnimateResult(
            video=ref, duration_seconds=0.5, frames=5, fps=10, width=64, height=64, backend="fake"
        )

    return ServiceDefinition(
        name="video",
        grpc_service="studio.v1.VideoService",
        operations=[
            Operation(
                "CreateAvatarVideo", video_pb2.CreateAvatarVideoRequest, video_pb2.CreateAvatarVideoResponse, avatar
            ),
            Operation("Animate", video_pb2.AnimateRequest, video_pb2.AnimateResponse, animate),
        ],
    )


def composer_service(artifacts: ArtifactStore) -> ServiceDefinition:
    async def compose(request: composer_pb2.ComposeRequest, ctx: OperationContext) -> composer_pb2.ComposeResult:
        await _behave(request.timeline.title, ctx)
        ref = await ctx.artifacts.put_bytes(ctx.output_key("film.mp4"), mp4_bytes(), "video/mp4")
        srt = await ctx.artifacts.put_bytes(
            ctx.output_key("film.srt"), b"1\n00:00:00,000 --> 00:00:00,500\nhi\n", "application/x-subrip"
        )
        return composer_pb2.ComposeResult(video=ref, srt=srt, duration_seconds=0.5, width=64, height=64, fps=10)

    return ServiceDefinition(
        name="composer",
        grpc_service="studio.v1.ComposerService",
        operations=[Operation("Compose", composer_pb2.ComposeRequest, composer_pb2.ComposeResponse, compose)],
    )


FAKE_SERVICES = {
    "audio": audio_service,
    "image": image_service,
    "video": video_service,
    "composer": composer_service,
}
