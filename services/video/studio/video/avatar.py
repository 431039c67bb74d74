"""CreateAvatarVideo: portrait + speech -> lip-synced MP4 carrying that speech."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from studio.core.frames import output_size
from studio.core.operations import OperationContext
from studio.core.residency import holding
from studio.v1.video_pb2 import CreateAvatarVideoRequest, CreateAvatarVideoResult, FaceBox
from studio.video.backends import AvatarBackend, AvatarJob
from studio.video.face.detect import find_face
from studio.video.lipsync.tracks import frame_count
from studio.video.media.audio import decode_speech
from studio.video.media.encoder import EncoderOptions, VideoEncoder
from studio.video.media.framing import plan_fit, render_fit
from studio.video.media.images import load_rgb
from studio.video.requests import backend_of, fps_of, phoneme_spans, require_ref
from studio.video.runner import encode_frames
from studio.video.settings import VideoSettings

AVATAR_BACKENDS = ("puppet", "wav2lip")


class AvatarMaker:
    """Holds the settings and the backends (built on first use, then kept) of the talking-head operation."""

    def __init__(self, settings: VideoSettings, factories: dict[str, Callable[[], AvatarBackend]]) -> None:
        self.settings = settings
        self.factories = factories
        self.backends: dict[str, AvatarBackend] = {}
        self._lock = asyncio.Lock()

    async def backend(self, name: str) -> AvatarBackend:
        async with self._lock:
            if name not in self.backends:
                backend = await asyncio.to_thread(self.factories[name])
                async with holding(backend):  # weights load now, through residency, so errors show at once
                    pass
                self.backends[name] = backend
            return self.backends[name]

    def encoder_options(self) -> EncoderOptions:
        s = self.settings
        return EncoderOptions(preset=s.x264_preset, crf=s.x264_crf, threads=s.encoder_threads)

    async def create(self, request: CreateAvatarVideoRequest, ctx: OperationContext) -> CreateAvatarVideoResult:
        s = self.settings
        require_ref(request.portrait, "portrait")
        require_ref(request.audio, "audio")
        width, height = output_size(request.width, request.height)
        fps = fps_of(request.fps)
        name = backend_of(request.backend, s.avatar_backend, AVATAR_BACKENDS)
        box = _face_box(request)
        await ctx.progress(0.0, "loading", force=True)
        backend = await self.backend(name)
        with tempfile.TemporaryDirectory(prefix="studio-avatar-") as tmp:
            folder = Path(tmp)
            portrait_path = await ctx.artifacts.download(request.portrait, folder / "portrait")
            audio_path = await ctx.artifacts.download(request.audio, folder / "speech")
            speech = await asyncio.to_thread(decode_speech, audio_path, field="audio", max_seconds=s.max_audio_seconds)
            phonemes = phoneme_spans(request.phonemes, speech.duration)
            portrait = await asyncio.to_thread(load_rgb, portrait_path, field="portrait", max_pixels=s.max_image_pixels)
            await ctx.progress(0.05, "analysing", "finding the face")
            layout = await asyncio.to_thread(find_face, portrait, box)
            fit = plan_fit((portrait.shape[1], portrait.shape[0]), (width, height), layout.head_region())
            canvas = await asyncio.to_thread(render_fit, portrait, (width, height), fit)
            frames = frame_count(speech.duration, fps)
            job = AvatarJob(
                canvas=canvas,
                layout=layout.mapped(fit),
                speech=speech,
                fps=fps,
                frames=frames,
                phonemes=phonemes,
                seed=request.seed if request.HasField("seed") else 0,
            )
            ctx.raise_if_cancelled()
            out = folder / "avatar.mp4"
            encoder = VideoEncoder(out, width, height, fps, speech=speech, options=self.encoder_options())
            async with holding(backend):
                await encode_frames(backend.frames(job), encoder, frames, ctx)
            await ctx.progress(0.97, "uploading")
            ref = await ctx.artifacts.put_file(ctx.output_key("avatar.mp4"), out, "video/mp4")
        x, y, w, h = layout.box
        await ctx.progress(1.0, "done")
        return CreateAvatarVideoResult(
            video=ref,
            duration_seconds=frames / fps,
            frames=frames,
            fps=fps,
            width=width,
            height=height,
            face=FaceBox(x=round(x), y=round(y), width=round(w), height=round(h)),
            backend=name,
            mouth_driver=backend.driver(job),
        )


def _face_box(request: CreateAvatarVideoRequest) -> tuple[int, int, int, int] | None:
    """The hand-given face box, or None (detect) when it is absent or all zero."""
    face = request.face
    if not request.HasField("face") or (face.x, face.y, face.width, face.height) == (0, 0, 0, 0):
        return None
    return face.x, face.y, face.width, face.height
