"""What the video service can run: built-in CPU backends and downloadable checkpoints.

Weights are read only from `$STUDIO_MODELS_DIR/<subdir>`; `repo_id` is where
`studio models download` fetches them, never used at request time.
"""

from __future__ import annotations

from pathlib import Path

from studio.core.errors import InvalidInput
from studio.core.models import ModelSpec
from studio.v1.common_pb2 import ModelInfo

WAV2LIP = ModelSpec(
    name="wav2lip",
    backend="wav2lip",
    task="lip-sync",
    repo_id="",  # not on the Hugging Face Hub: the Wav2Lip project publishes it; placed by hand
    subdir="wav2lip",
    vram_gb=1.0,
    description="Wav2Lip-class lip-sync network (96x96 face crops + 80-band mel windows); "
    "put wav2lip.pth or wav2lip_gan.pth (or model.safetensors + config.json) in the folder.",
    allow_patterns=("*.pth", "*.safetensors", "config.json"),
)
LTX_VIDEO = ModelSpec(
    name="ltx-video",
    backend="diffusers",
    task="image-to-video",
    repo_id="Lightricks/LTX-Video",
    subdir="ltx-video",
    vram_gb=16.0,
    description="LTX-Video 2B image-to-video (LTXImageToVideoPipeline), 24 fps, sides multiple of 32.",
)
WAN_I2V_480P = ModelSpec(
    name="wan2.1-i2v-480p",
    backend="diffusers",
    task="image-to-video",
    repo_id="Wan-AI/Wan2.1-I2V-14B-480P-Diffusers",
    subdir="wan2.1-i2v-14b-480p",
    vram_gb=40.0,
    description="Wan 2.1 image-to-video 14B at 480p (WanImageToVideoPipeline); CPU offload lowers the VRAM need.",
)
WAN_I2V_720P = ModelSpec(
    name="wan2.1-i2v-720p",
    backend="diffusers",
    task="image-to-video",
    repo_id="Wan-AI/Wan2.1-I2V-14B-720P-Diffusers",
    subdir="wan2.1-i2v-14b-720p",
    vram_gb=48.0,
    description="Wan 2.1 image-to-video 14B at 720p (WanImageToVideoPipeline).",
)

CATALOG: tuple[ModelSpec, ...] = (WAV2LIP, LTX_VIDEO, WAN_I2V_480P, WAN_I2V_720P)

#: Backends that need no weights: always installed.
BUILT_IN = (
    ModelInfo(
        name="puppet",
        backend="puppet",
        task="lip-sync",
        installed=True,
        description="CPU talking head: Haar-cascade face/eyes, warped jaw and lips driven by visemes or the "
        "energy envelope, shaded mouth interior, blinks, head sway. No weights.",
    ),
    ModelInfo(
        name="kenburns",
        backend="kenburns",
        task="image-to-video",
        installed=True,
        description="CPU camera moves on a still: eased zoom, pan, tilt and depth-proxy parallax chosen from "
        "the motion prompt. No weights.",
    ),
)


def model_infos(models_dir: Path) -> list[ModelInfo]:
    return [*BUILT_IN, *(spec.info(models_dir) for spec in CATALOG)]


def i2v_spec(name: str) -> ModelSpec:
    spec = next((s for s in CATALOG if s.name == name), None)
    if spec is None or spec.task != "image-to-video":
        known = ", ".join(s.name for s in CATALOG if s.task == "image-to-video")
        raise InvalidInput(f"model: unknown image-to-video model {name!r}; choose one of: {known}")
    return spec
