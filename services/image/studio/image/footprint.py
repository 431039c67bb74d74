"""What an image pipeline asks of the device: its parts, their sizes, and the work each does per image.

Residency plans placements from this (`studio.core.placement`): the denoiser
runs once per step, the text encoders once per prompt, the VAE decoder once
per image. Sizes come from the safetensors headers of an installed folder, or
from the published architectures for catalogue models not yet downloaded (so
`studio models` can say what a 12 GB card would get before anything is fetched).
Work is counted in FLOPs (2 per parameter per token, plus attention) and
activation bytes; both are estimates, checked by `benchmarks/gpu.py`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.core.models import ModelSpec
from studio.core.placement import GB, Footprint, Part, Role, role_of
from studio.core.residency import folder_parameters
from studio.image.models import Profile, installed_models, profile_of

#: Published parameter counts per part (FLUX.1 [dev]/[schnell]/Kontext share one architecture).
_FLUX = {"transformer": 11_901_408_320, "text_encoder_2": 4_762_310_656, "text_encoder": 123_060_480, "vae": 83_819_683}
_SD35_LARGE = {
    "transformer": 8_056_518_720,
    "text_encoder_3": 4_762_310_656,
    "text_encoder_2": 694_659_840,
    "text_encoder": 123_650_304,
    "vae": 83_653_863,
}
_SD35_MEDIUM = {**_SD35_LARGE, "transformer": 2_243_171_264}
_UPSCALER = {"unet": 473_324_228, "text_encoder": 340_387_840, "vae": 55_312_419}
PUBLISHED: dict[str, dict[str, int]] = {
    "flux-schnell": _FLUX,
    "flux-dev": _FLUX,
    "flux-kontext-dev": _FLUX,
    "sd35-large": _SD35_LARGE,
    "sd35-medium": _SD35_MEDIUM,
    "sd-x4-upscaler": _UPSCALER,
}


@dataclass(frozen=True)
class Geometry:
    """The denoiser's shape: what attention costs and what one block holds."""

    blocks: int
    hidden: int
    #: Classifier-free guidance doubles the batch (SD 3.5); FLUX dev is guidance-distilled.
    cfg: bool
    #: Text tokens beside the image tokens.
    text_tokens: int


_FLUX_GEOMETRY = Geometry(blocks=57, hidden=3072, cfg=False, text_tokens=512)
_SD35_GEOMETRY = Geometry(blocks=38, hidden=2432, cfg=True, text_tokens=333)


def geometry_of(config: Mapping[str, Any], profile: Profile) -> Geometry:
    """From a FLUX or SD3 transformer's config."""
    blocks = int(config.get("num_layers", 0)) + int(config.get("num_single_layers", 0))
    hidden = int(config.get("num_attention_heads", 0)) * int(config.get("attention_head_dim", 0))
    sd3 = "caption_projection_dim" in config
    return Geometry(blocks, hidden, sd3, profile.max_sequence_length + (77 if sd3 else 0))


def _geometry(folder: Path | None, pipeline_class: str, profile: Profile) -> Geometry | None:
    """Read from the denoiser's config.json when installed; the published shape otherwise."""
    config_file = folder / "transformer" / "config.json" if folder else None
    if config_file is not None and config_file.is_file():
        return geometry_of(json.loads(config_file.read_text()), profile)
    if pipeline_class.startswith("Flux"):
        return _FLUX_GEOMETRY
    if pipeline_class.startswith("StableDiffusion3"):
        return _SD35_GEOMETRY
    return None


def image_footprint(
    parts: dict[str, int],
    pipeline_class: str,
    profile: Profile,
    bytes_per_param: int,
    folder: Path | None = None,
    *,
    geometry: Geometry | None = None,
) -> Footprint:
    """A pipeline's footprint for one image at the model's default size and steps."""
    geometry = geometry or _geometry(folder, pipeline_class, profile)
    pixels = profile.size * profile.size
    image_tokens = pixels // 256  # 8x VAE, 2x2 patches
    batch = 2 if geometry and geometry.cfg else 1
    text_tokens = geometry.text_tokens if geometry else 77
    built = []
    for name, params in sorted(parts.items()):
        role = role_of(name)
        block_params = 0
        if role is Role.DENOISER:
            tokens = image_tokens + text_tokens
            flops = 2.0 * params * tokens * batch
            working = tokens * 3072 * 2 * 30 * batch
            if geometry is not None and geometry.blocks:
                flops += 4.0 * geometry.blocks * tokens**2 * geometry.hidden * batch
                working = tokens * geometry.hidden * 2 * 30 * batch
                block_params = 2 * params // geometry.blocks  # double blocks are about twice the single ones
            calls = profile.steps
        elif role is Role.DECODER:
            flops, working, calls = 4.8e6 * pixels, int(3 * GB * pixels / 1024**2), 1
        else:
            flops, working, calls = 2.0 * params * text_tokens * batch, 256 * 1024**2, 1
            block_params = params // 24
        built.append(Part(name, params, role, bytes_per_param, calls, flops, block_params, working))
    return Footprint(tuple(built))


def installed_footprint(folder: Path, pipeline_class: str, profile: Profile, bytes_per_param: int) -> Footprint:
    parts = {name or "model": count for name, count in folder_parameters(folder).items()}
    return image_footprint(parts, pipeline_class, profile, bytes_per_param, folder)


def pipeline_footprint(pipe: Any, profile: Profile, bytes_per_param: int) -> Footprint:
    """The footprint of a pipeline already built in memory (benchmarks' random-weight pipelines)."""
    import torch

    parts = {
        name: sum(p.numel() for p in part.parameters())
        for name, part in pipe.components.items()
        if isinstance(part, torch.nn.Module)
    }
    config = getattr(getattr(pipe, "transformer", None), "config", None)
    geometry = geometry_of(config, profile) if config is not None else None
    return image_footprint(parts, type(pipe).__name__, profile, bytes_per_param, geometry=geometry)


def catalog_footprint(spec: ModelSpec, models_dir: Path, bytes_per_param: int = 2) -> Footprint | None:
    """A catalogue model's footprint: from its folder when installed, else from its published sizes."""
    installed = next((m for m in installed_models(models_dir) if m.name == spec.name), None)
    if installed is not None:
        try:
            found = installed_footprint(installed.path, installed.pipeline_class, installed.profile, bytes_per_param)
        except (OSError, ValueError):
            found = None
        if found is not None and found.parts:
            return found
    parts = PUBLISHED.get(spec.name)
    if parts is None:
        return None
    pipeline_class = "FluxPipeline" if spec.name.startswith("flux") else "StableDiffusion3Pipeline"
    if "unet" in parts:
        pipeline_class = "StableDiffusionUpscalePipeline"
    return image_footprint(parts, pipeline_class, profile_of(spec.name, pipeline_class), bytes_per_param)
