"""Image service settings (STUDIO_IMAGE_*); shared ones (models dir, device) come from StudioSettings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from studio.core.settings import StudioSettings


class ImageSettings(StudioSettings):
    model_config = SettingsConfigDict(env_prefix="STUDIO_IMAGE_", extra="ignore", frozen=True)

    #: auto: diffusers when a text-to-image model is installed, else the procedural draft.
    #: fal / replicate: hosted FLUX (needs STUDIO_FAL_KEY / STUDIO_REPLICATE_KEY; see docs/providers.md).
    backend: Literal["auto", "draft", "diffusers", "fal", "replicate"] = "auto"
    #: Text-to-image model used when a request names none (empty = first installed in catalogue order).
    default_model: str = ""
    #: How long the first Generate of a batch waits for companions (0 = no waiting).
    batch_window_ms: float = Field(default=20.0, ge=0, le=1000)
    #: Most images in one batched pipeline call (1 = no batching).
    max_batch: int = Field(default=4, ge=1, le=64)
    #: Largest width or height a request may ask for.
    max_side: int = Field(default=2048, ge=64, le=8192)
    #: Most images one Generate request may ask for.
    max_count: int = Field(default=4, ge=1, le=64)
    max_steps: int = Field(default=100, ge=1, le=1000)
    #: Largest accepted input image file, in bytes.
    max_input_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    #: Largest accepted input image, in pixels (decompression-bomb guard).
    max_input_pixels: int = Field(default=4096 * 4096, ge=64 * 64)
    #: Largest width or height an upscale may produce.
    max_upscale_side: int = Field(default=8192, ge=256)
    #: Load the default text-to-image model at start-up (health turns SERVING after), not on first use.
    preload: bool = False
    #: Regional torch.compile of the denoiser's blocks (when it sits on the GPU); warmed before SERVING.
    compile: bool = False
    #: Float8 matrix products in the denoiser's blocks (Ada/Hopper GPUs); warmed before SERVING.
    fp8_matmul: bool = False
    #: Side of the warm-up image that builds compiled kernels (0 = the model's default size; serve mostly at it).
    warmup_size: int = Field(default=0, ge=0, le=8192)
    #: torch CPU threads for the diffusers backend (0 = torch's default). 1 avoids thrashing on busy shared CPUs.
    cpu_threads: int = Field(default=0, ge=0, le=256)
    jpeg_quality: int = Field(default=92, ge=1, le=100)
    webp_quality: int = Field(default=90, ge=1, le=100)
