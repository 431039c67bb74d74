"""Composer settings (STUDIO_COMPOSER_*): tool paths and the limits that keep a request bounded."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from studio.core.settings import StudioSettings


class ComposerSettings(StudioSettings):
    model_config = SettingsConfigDict(env_prefix="STUDIO_COMPOSER_", extra="ignore", frozen=True)

    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    #: Encoder threads (0 = ffmpeg decides from the cores it sees).
    threads: int = Field(default=0, ge=0, le=64)
    #: Encoder threads for a `pictures_only` part: parts are meant to run side by side, and one thread
    #: each encodes the most frames per CPU second.
    part_threads: int = Field(default=1, ge=0, le=64)
    #: Where per-run scratch directories go (default: the system temp dir).
    work_dir: Path | None = None
    #: x264 preset for quality below 90 (veryfast keeps a render close to a bare encode).
    x264_preset: str = "veryfast"
    max_scenes: int = Field(default=300, ge=1)
    max_duration_seconds: float = Field(default=4 * 3600.0, gt=0)
    #: Largest still accepted, in pixels (guards against decompression bombs).
    max_image_pixels: int = Field(default=64_000_000, ge=1)
