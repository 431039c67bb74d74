"""Checking requests at the service edge: every error names the field and what is accepted."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass

from studio.core.errors import InvalidInput
from studio.image.models import Profile
from studio.image.settings import ImageSettings
from studio.v1.image_pb2 import GenerateRequest

MIN_SIDE = 64
MAX_PROMPT = 2000
MAX_GUIDANCE = 30.0
MAX_SEED = 2**63 - 1
UPSCALE_FACTORS = (2, 4)


@dataclass(frozen=True)
class GenerateParams:
    prompt: str
    negative_prompt: str
    width: int
    height: int
    steps: int
    guidance: float
    seeds: tuple[int, ...]


def check_prompt(value: str, field: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"{field}: must not be empty; describe the image to make")
    if len(text) > MAX_PROMPT:
        raise InvalidInput(f"{field}: {len(text)} characters; at most {MAX_PROMPT} are accepted")
    if "\x00" in text:
        raise InvalidInput(f"{field}: contains a NUL character")
    return text


def check_side(value: int, field: str, default: int, settings: ImageSettings) -> int:
    side = value or default
    if side % 16 or not MIN_SIDE <= side <= settings.max_side:
        raise InvalidInput(
            f"{field}: {value} is not accepted; use a multiple of 16 from {MIN_SIDE} to {settings.max_side} "
            "(0 = the model's default)"
        )
    return side


def check_steps(value: int, default: int, settings: ImageSettings) -> int:
    if value < 0 or value > settings.max_steps:
        raise InvalidInput(f"steps: {value} is out of range; use 1 to {settings.max_steps} (0 = the model's default)")
    return value or default


def check_guidance(value: float | None, default: float) -> float:
    if value is None:
        return default
    if not math.isfinite(value) or not 0.0 <= value <= MAX_GUIDANCE:
        raise InvalidInput(f"guidance: {value} is out of range; use 0 to {MAX_GUIDANCE:g}")
    return float(value)


def check_seed(value: int | None, count: int) -> int:
    if value is None:
        return secrets.randbelow(2**32)
    if not 0 <= value <= MAX_SEED - count:
        raise InvalidInput(f"seed: {value} is out of range; use 0 to {MAX_SEED - count}")
    return value


def generate_params(request: GenerateRequest, profile: Profile, settings: ImageSettings) -> GenerateParams:
    """Validate a GenerateRequest and fill the model's defaults."""
    prompt = check_prompt(request.prompt, "prompt", required=True)
    negative = check_prompt(request.negative_prompt, "negative_prompt", required=False)
    width = check_side(request.width, "width", profile.size, settings)
    height = check_side(request.height, "height", profile.size, settings)
    if request.count < 0 or request.count > settings.max_count:
        raise InvalidInput(f"count: {request.count} is out of range; use 1 to {settings.max_count} (0 = 1)")
    count = request.count or 1
    steps = check_steps(request.steps, profile.steps, settings)
    guidance = check_guidance(request.guidance if request.HasField("guidance") else None, profile.guidance)
    seed = check_seed(request.seed if request.HasField("seed") else None, count)
    return GenerateParams(prompt, negative, width, height, steps, guidance, tuple(seed + i for i in range(count)))


def check_factor(value: int) -> int:
    if value not in UPSCALE_FACTORS:
        raise InvalidInput(f"factor: {value} is not accepted; use 2 or 4")
    return value
