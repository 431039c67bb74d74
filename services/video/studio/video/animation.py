"""Animate: still image + motion prompt + duration -> clip."""

from __future__ import annotations

import asyncio
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.frames import output_size
from studio.core.operations import OperationContext
from studio.core.residency import holding
from studio.v1.video_pb2 import AnimateRequest, AnimateResult
from studio.video.animate.hosted.clip import ClipJob, HostedAnimateBackend, conformed_frames, measured
from studio.video.backends import AnimateBackend, AnimateJob
from studio.video.media.encoder import EncoderOptions, VideoEncoder
from studio.video.media.images import load_rgb
from studio.video.requests import backend_of, fps_of, require_ref
from studio.video.runner import encode_frames
from studio.video.settings import VideoSettings

ANIMATE_BACKENDS = ("kenburns", "diffusers", "kling", "runway", "luma", "minimax")
AnyAnimateBackend = AnimateBackend | HostedAnimateBackend
DEFAULT_SECONDS = 5.0
MIN_SECONDS = 0.2
MAX_MOTION_CHARS = 500


def default_size(image: np.ndarray) -> tuple[int, int]:
    """Landscape pictures give 1280x720, portrait ones 720x1280, near-square ones 512x512."""
    h, w = image.shape[:2]
    aspect = w / h
    return (1280, 720) if aspect >= 1.2 else (720, 1280) if aspect <= 1 / 1.2 else (512, 512)


def duration_of(seconds: float, maximum: float) -> float:
    if seconds == 0:
        return DEFAULT_SECONDS
    if not math.isfinite(seconds) or seconds < MIN_SECONDS or seconds > maximum:
        raise InvalidInput(f"duration_seconds: {seconds} is out of range; use {MIN_SECONDS}..{maximum:g} s (0 = 5 s)")
    return seconds


class Animator:
    """Holds the settings and backends (built on first use, then kept) of the Animate operation."""

    def __init__(self, settings: VideoSettings, factories: dict[str, Callable[[str], AnyAnimateBackend]]) -> None:
        self.settings = settings
        self.factories = factories
        self.backends: dict[tuple[str, str], AnyAnimateBackend] = {}
        self._lock = asyncio.Lock()

    async def backend(self, name: str, model: str) -> AnyAnimateBackend:
        key = (name, model if name == "diffusers" else "")
        async with self._lock:
            if key not in self.backends:
                backend = await asyncio.to_thread(self.factories[name], model)
                async with holding(backend):  # weights load now, through residency, so errors show at once
                    pass
                self.backends[key] = backend
            return self.backends[key]

    async def animate(self, request: AnimateRequest, ctx: OperationContext) -> AnimateResult:
        s = self.settings
        require_ref(request.image, "image")
        if len(request.motion) > MAX_MOTION_CHARS:
            raise InvalidInput(f"motion: {len(request.motion)} characters; at most {MAX_MOTION_CHARS} accepted")
        seconds = duration_of(request.duration_seconds, s.max_animate_seconds)
        fps = fps_of(request.fps)
        name = backend_of(request.backend, s.animate_backend, ANIMATE_BACKENDS)
        requested_size = output_size(request.width, request.height) if request.width or request.height else None
        await ctx.progress(0.0, "loading", force=True)
        backend = await self.backend(name, request.model.strip() or s.i2v_model)
        with tempfile.TemporaryDirectory(prefix="studio-animate-") as tmp:
            folder = Path(tmp)
            path = await ctx.artifacts.download(request.image, folder / "image")
            image = await asyncio.to_thread(load_rgb, path, field="image", max_pixels=s.max_image_pixels)
            width, height = requested_size or default_size(image)
            frames = max(1, round(seconds * fps))
            job = AnimateJob(
                image=image,
                motion=request.motion,
                size=(width, height),
                fps=fps,
                frames=frames,
                seed=request.seed if request.HasField("seed") else 0,
            )
            if isinstance(backend, HostedAnimateBackend):
                clip = ClipJob(image, request.image, request.motion, seconds, (width, height), job.seed)
                description = backend.describe(clip)
                made = await backend.clip(clip, ctx, folder)
                source = conformed_frames(made, job, await measured(made))
                start = 0.85
            else:
                description = backend.describe(job)
                source, start = backend.frames(job), 0.05
            out = folder / "clip.mp4"
            options = EncoderOptions(preset=s.x264_preset, crf=s.x264_crf, threads=s.encoder_threads)
            encoder = VideoEncoder(out, width, height, fps, options=options)
            async with holding(backend):  # a local model stays resident while its frames are made
                await encode_frames(source, encoder, frames, ctx, start=start, cancel=job.cancel)
            await ctx.progress(0.97, "uploading")
            ref = await ctx.artifacts.put_file(ctx.output_key("clip.mp4"), out, "video/mp4")
        await ctx.progress(1.0, "done")
        return AnimateResult(
            video=ref,
            duration_seconds=frames / fps,
            frames=frames,
            fps=fps,
            width=width,
            height=height,
            backend=name,
            motion=description,
        )
