"""Video service settings (STUDIO_VIDEO_*), read once through `load_settings(VideoSettings)`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from studio.core.settings import StudioSettings


class VideoSettings(StudioSettings):
    model_config = SettingsConfigDict(env_prefix="STUDIO_VIDEO_", extra="ignore", frozen=True)

    #: Talking-head backend used when a request names none.
    avatar_backend: Literal["puppet", "wav2lip"] = "puppet"
    #: Image-animation backend used when a request names none. kling, runway, luma and minimax are hosted
    #: image-to-video APIs (keys: docs/providers.md).
    animate_backend: Literal["kenburns", "diffusers", "kling", "runway", "luma", "minimax"] = "kenburns"
    #: Kling's mode: std (cheaper) or pro.
    kling_mode: Literal["std", "pro"] = "std"
    #: Kling's model (`model_name`).
    kling_model: str = "kling-v1-6"
    #: Image-to-video model the diffusers backend loads (a CATALOG name).
    i2v_model: str = "ltx-video"
    #: Longest speech accepted for a talking head, in seconds.
    max_audio_seconds: float = Field(default=300.0, gt=0)
    #: Longest clip Animate renders, in seconds.
    max_animate_seconds: float = Field(default=60.0, gt=0)
    #: Largest portrait/image accepted, in pixels (decompression-bomb guard).
    max_image_pixels: int = Field(default=40_000_000, gt=0)
    #: x264 speed/size trade-off: encoding is most of a puppet render, "superfast" keeps it well above real time.
    x264_preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"] = "superfast"
    x264_crf: int = Field(default=20, ge=0, le=51)
    #: ffmpeg encoder threads (0 = ffmpeg decides).
    encoder_threads: int = Field(default=0, ge=0, le=64)
    #: Face crops per forward pass of the neural lip-sync network.
    lipsync_batch_size: int = Field(default=16, ge=1, le=512)
    #: Denoising steps of the diffusers image-to-video backend.
    i2v_steps: int = Field(default=30, ge=1, le=200)
