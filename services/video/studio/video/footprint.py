"""Image-to-video models' parts for residency plans before they are downloaded (`studio models`)."""

from __future__ import annotations

from pathlib import Path

from studio.core.models import ModelSpec
from studio.core.placement import Footprint
from studio.core.residency import folder_parameters

#: Published parameter counts per part.
_WAN_14B = {
    "transformer": 14_288_491_584,
    "text_encoder": 5_680_910_336,
    "image_encoder": 632_076_800,
    "vae": 126_892_531,
}
PUBLISHED: dict[str, tuple[str, dict[str, int]]] = {
    "ltx-video": (
        "LTXImageToVideoPipeline",
        {"transformer": 1_924_505_600, "text_encoder": 4_762_310_656, "vae": 419_437_056},
    ),
    "wan2.1-i2v-480p": ("WanImageToVideoPipeline", _WAN_14B),
    "wan2.1-i2v-720p": ("WanImageToVideoPipeline", _WAN_14B),
}
#: Denoising steps assumed for the plan (STUDIO_VIDEO_I2V_STEPS' default).
_STEPS = 30


def catalog_footprint(spec: ModelSpec, models_dir: Path, bytes_per_param: int = 2) -> Footprint | None:
    from studio.video.animate.diffusers_i2v import RULES, i2v_footprint

    if spec.name not in PUBLISHED:
        return None
    class_name, parts = PUBLISHED[spec.name]
    folder = spec.path(models_dir)
    if spec.installed(models_dir):
        try:
            parts = folder_parameters(folder) or parts
        except (OSError, ValueError):
            pass
    return i2v_footprint(parts, RULES[class_name], _STEPS, bytes_per_param)
