"""The output spec resolved into concrete numbers and encoder arguments."""

from __future__ import annotations

import math
from dataclasses import dataclass

from studio.core.errors import InvalidInput
from studio.v1 import composer_pb2 as pb

DEFAULT_FPS = 30.0
DEFAULT_QUALITY = 70
DEFAULT_LUFS = -14.0
SHORT_SIDE = 720
MAX_SIDE = 4096
MAX_FPS = 120.0
_ASPECTS = {pb.ASPECT_RATIO_16_9: (16, 9), pb.ASPECT_RATIO_9_16: (9, 16), pb.ASPECT_RATIO_1_1: (1, 1)}


@dataclass(frozen=True)
class OutputPlan:
    container: str  # "mp4" or "webm"
    width: int
    height: int
    fps: float
    quality: int
    loudness: float
    burn_subtitles: bool
    poster_at: float | None

    @property
    def suffix(self) -> str:
        return f".{self.container}"

    @property
    def content_type(self) -> str:
        return f"video/{self.container}"

    def video_args(self, x264_preset: str) -> list[str]:
        """Encoder arguments: quality 1..100 maps linearly onto CRF (higher quality, lower CRF)."""
        if self.container == "mp4":
            crf = round(35 - self.quality * 0.19)  # 70 -> 22, 100 -> 16
            preset = "fast" if self.quality >= 90 else x264_preset
            return ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p", "-profile:v", "high"]
        crf = round(50 - self.quality * 0.3)  # 70 -> 29, 100 -> 20
        return [
            "-c:v", "libvpx-vp9", "-crf", str(crf), "-b:v", "0", "-pix_fmt", "yuv420p",
            "-deadline", "good", "-cpu-used", "5", "-row-mt", "1",
        ]  # fmt: skip

    def audio_args(self) -> list[str]:
        if self.container == "mp4":
            return ["-c:a", "aac", "-b:a", "192k", "-ar", "48000"]
        return ["-c:a", "libopus", "-b:a", "128k", "-ar", "48000"]

    def container_args(self, final: bool = True) -> list[str]:
        """Muxer arguments; only the final file gets its index moved to the front for streaming."""
        if self.container == "webm":
            return ["-f", "webm"]
        return ["-movflags", "+faststart", "-f", "mp4"] if final else ["-f", "mp4"]


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _size(spec: pb.OutputSpec) -> tuple[int, int]:
    width, height = spec.width, spec.height
    if width < 0 or height < 0:
        raise InvalidInput(f"output size {width}x{height}: width and height must be positive")
    aspect = _ASPECTS.get(spec.aspect)
    if spec.aspect and aspect is None:
        raise InvalidInput(f"output.aspect {spec.aspect}: accepted 16:9, 9:16 or 1:1")
    if aspect is None:
        aspect = (width, height) if width and height else (16, 9)
    ax, ay = aspect
    if not width and not height:
        if ax >= ay:
            width, height = _even(SHORT_SIDE * ax / ay), SHORT_SIDE
        else:
            width, height = SHORT_SIDE, _even(SHORT_SIDE * ay / ax)
    elif not height:
        height = _even(width * ay / ax)
    elif not width:
        width = _even(height * ax / ay)
    elif spec.aspect and abs(width / height - ax / ay) > 0.01:
        raise InvalidInput(f"output size {width}x{height} is not {ax}:{ay}; give one side, or a matching pair")
    if width % 2 or height % 2:
        raise InvalidInput(f"output size {width}x{height}: width and height must be even (H.264/VP9 4:2:0)")
    if not (16 <= width <= MAX_SIDE and 16 <= height <= MAX_SIDE):
        raise InvalidInput(f"output size {width}x{height}: each side must be between 16 and {MAX_SIDE} pixels")
    return width, height


def plan_output(spec: pb.OutputSpec) -> OutputPlan:
    """Defaults: mp4, 16:9 at 1280x720, 30 fps, quality 70, -14 LUFS, poster a third of the way in."""
    if spec.format not in (pb.CONTAINER_FORMAT_UNSPECIFIED, pb.CONTAINER_FORMAT_MP4, pb.CONTAINER_FORMAT_WEBM):
        raise InvalidInput(f"output.format {spec.format}: accepted mp4 (H.264/AAC) or webm (VP9/Opus)")
    container = "webm" if spec.format == pb.CONTAINER_FORMAT_WEBM else "mp4"
    width, height = _size(spec)
    fps = spec.fps or DEFAULT_FPS
    if not math.isfinite(fps) or not (1.0 <= fps <= MAX_FPS):
        raise InvalidInput(f"output.fps {spec.fps:g}: accepted 1 to {MAX_FPS:g} frames per second")
    quality = spec.quality or DEFAULT_QUALITY
    if not (1 <= quality <= 100):
        raise InvalidInput(f"output.quality {spec.quality}: accepted 1 to 100 (0 = default {DEFAULT_QUALITY})")
    loudness = spec.loudness_lufs or DEFAULT_LUFS
    if not math.isfinite(loudness) or not (-40.0 <= loudness <= -5.0):
        raise InvalidInput(f"output.loudness_lufs {spec.loudness_lufs:g}: accepted -40 to -5 LUFS (0 = -14)")
    poster_at = spec.poster_at_seconds if spec.HasField("poster_at_seconds") else None
    if poster_at is not None and (not math.isfinite(poster_at) or poster_at < 0):
        raise InvalidInput(f"output.poster_at_seconds {poster_at:g}: must be a time in the film, >= 0")
    return OutputPlan(container, width, height, fps, quality, loudness, spec.burn_subtitles, poster_at)
