"""The image models the studio knows, and how a request's model name resolves to a folder.

Weights live in `$STUDIO_MODELS_DIR/image/<name>` in diffusers' `save_pretrained`
layout. Catalogue entries can be fetched with `studio models download NAME`;
any other folder there holding a supported pipeline can be used by name too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import FailedPrecondition, InvalidInput, ModelNotInstalled, NotFound
from studio.core.models import ModelSpec
from studio.v1.common_pb2 import ModelInfo

_DIFFUSERS_FILES = (
    "model_index.json",
    "scheduler/*",
    "transformer/*.json",
    "transformer/*.safetensors",
    "vae/*.json",
    "vae/*.safetensors",
    "text_encoder/*.json",
    "text_encoder/*.safetensors",
    "text_encoder_2/*.json",
    "text_encoder_2/*.safetensors",
    "text_encoder_3/*.json",
    "text_encoder_3/*.safetensors",
    "tokenizer/*",
    "tokenizer_2/*",
    "tokenizer_3/*",
)
_UPSCALER_FILES = (
    "model_index.json",
    "scheduler/*",
    "low_res_scheduler/*",
    "unet/*.json",
    "unet/diffusion_pytorch_model.safetensors",
    "vae/*.json",
    "vae/diffusion_pytorch_model.safetensors",
    "text_encoder/*.json",
    "text_encoder/model.safetensors",
    "tokenizer/*",
)

CATALOG: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="flux-schnell",
        backend="diffusers",
        task="text-to-image",
        repo_id="black-forest-labs/FLUX.1-schnell",
        subdir="image/flux-schnell",
        vram_gb=33.0,
        description="FLUX.1 [schnell], 4-step distilled, Apache-2.0; 12 GB cards run it with CPU offload",
        allow_patterns=_DIFFUSERS_FILES,
    ),
    ModelSpec(
        name="flux-dev",
        backend="diffusers",
        task="text-to-image",
        repo_id="black-forest-labs/FLUX.1-dev",
        subdir="image/flux-dev",
        vram_gb=33.0,
        description="FLUX.1 [dev], guidance-distilled, non-commercial licence; CPU offload on 12 GB cards",
        allow_patterns=_DIFFUSERS_FILES,
    ),
    ModelSpec(
        name="flux-kontext-dev",
        backend="diffusers",
        task="image-edit",
        repo_id="black-forest-labs/FLUX.1-Kontext-dev",
        subdir="image/flux-kontext-dev",
        vram_gb=33.0,
        description="FLUX.1 Kontext [dev]: instruction edits keeping the character; CPU offload on 12 GB cards",
        allow_patterns=_DIFFUSERS_FILES,
    ),
    ModelSpec(
        name="sd35-large",
        backend="diffusers",
        task="text-to-image",
        repo_id="stabilityai/stable-diffusion-3.5-large",
        subdir="image/sd35-large",
        vram_gb=10.5,
        description="Stable Diffusion 3.5 Large (8B), ≈10.5 GB VRAM per the brief (T5 offloaded)",
        allow_patterns=_DIFFUSERS_FILES,
    ),
    ModelSpec(
        name="sd35-medium",
        backend="diffusers",
        task="text-to-image",
        repo_id="stabilityai/stable-diffusion-3.5-medium",
        subdir="image/sd35-medium",
        vram_gb=6.0,
        description="Stable Diffusion 3.5 Medium (2.5B MMDiT-X), fits a 12 GB card whole",
        allow_patterns=_DIFFUSERS_FILES,
    ),
    ModelSpec(
        name="sd-x4-upscaler",
        backend="diffusers",
        task="upscale",
        repo_id="stabilityai/stable-diffusion-x4-upscaler",
        subdir="image/sd-x4-upscaler",
        vram_gb=3.0,
        description="Stable Diffusion x4 upscaler (text-guided latent upscaling)",
        allow_patterns=_UPSCALER_FILES,
    ),
)

#: Pipeline classes the service runs, by the task they serve.
PIPELINE_TASKS: dict[str, str] = {
    "FluxPipeline": "text-to-image",
    "StableDiffusion3Pipeline": "text-to-image",
    "FluxKontextPipeline": "image-edit",
    "StableDiffusionUpscalePipeline": "upscale",
}


@dataclass(frozen=True)
class Profile:
    """Request defaults for a model (what its authors recommend)."""

    steps: int
    guidance: float
    size: int = 1024
    max_sequence_length: int = 512


_PROFILES: dict[str, Profile] = {
    "flux-schnell": Profile(steps=4, guidance=0.0, max_sequence_length=256),
    "flux-dev": Profile(steps=28, guidance=3.5),
    "flux-kontext-dev": Profile(steps=28, guidance=2.5),
    "sd35-large": Profile(steps=28, guidance=3.5, max_sequence_length=256),
    "sd35-medium": Profile(steps=40, guidance=4.5, max_sequence_length=256),
    "sd-x4-upscaler": Profile(steps=20, guidance=9.0, size=512),
}
_CLASS_PROFILES: dict[str, Profile] = {
    "FluxPipeline": Profile(steps=28, guidance=3.5),
    "FluxKontextPipeline": Profile(steps=28, guidance=2.5),
    "StableDiffusion3Pipeline": Profile(steps=28, guidance=7.0, max_sequence_length=256),
    "StableDiffusionUpscalePipeline": Profile(steps=20, guidance=9.0, size=512),
}

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class ImageModel:
    """A model folder the diffusers backend can load."""

    name: str
    path: Path
    pipeline_class: str
    spec: ModelSpec | None = None

    @property
    def task(self) -> str:
        return PIPELINE_TASKS[self.pipeline_class]

    @property
    def profile(self) -> Profile:
        return profile_of(self.name, self.pipeline_class)


def profile_of(name: str, pipeline_class: str) -> Profile:
    """The request defaults of a model: its own when catalogued, its pipeline class's otherwise."""
    return _PROFILES.get(name) or _CLASS_PROFILES[pipeline_class]


def models_root(models_dir: Path) -> Path:
    return Path(models_dir) / "image"


def catalog_spec(name: str) -> ModelSpec | None:
    return next((spec for spec in CATALOG if spec.name == name), None)


def _pipeline_class(folder: Path) -> str | None:
    index = folder / "model_index.json"
    if not index.is_file():
        return None
    try:
        class_name = json.loads(index.read_text()).get("_class_name")
    except (OSError, ValueError, AttributeError):
        return None
    return class_name if isinstance(class_name, str) else None


def installed_models(models_dir: Path, task: str | None = None) -> list[ImageModel]:
    """Loadable models: catalogue order first, then other folders alphabetically."""
    root = models_root(models_dir)
    names = [spec.name for spec in CATALOG]
    if root.is_dir():
        names += sorted(p.name for p in root.iterdir() if p.is_dir() and p.name not in names)
    found = []
    for name in names:
        class_name = _pipeline_class(root / name)
        if class_name in PIPELINE_TASKS and (task is None or PIPELINE_TASKS[class_name] == task):
            found.append(ImageModel(name, root / name, class_name, catalog_spec(name)))
    return found


def task_of(name: str, models_dir: Path) -> str | None:
    """The task an installed model serves, None if no such model is installed."""
    return next((m.task for m in installed_models(models_dir) if m.name == name), None)


def resolve_model(name: str, models_dir: Path, task: str) -> ImageModel:
    """The installed model called `name` serving `task`, or an error saying what exists."""
    if not _NAME.match(name):
        raise InvalidInput(f"model: {name!r} is not a model name (letters, digits, '._-', at most 100 characters)")
    installed = installed_models(models_dir)
    model = next((m for m in installed if m.name == name), None)
    if model is None:
        spec = catalog_spec(name)
        if spec is not None:
            raise ModelNotInstalled(
                f"model {name!r} is not installed in {spec.path(models_dir)}; run `studio models download {name}`"
            )
        folder = models_root(models_dir) / name
        if folder.is_dir() and _pipeline_class(folder) is not None:
            raise FailedPrecondition(
                f"model {name!r} is a {_pipeline_class(folder)}, which this service does not run "
                f"(supported: {', '.join(PIPELINE_TASKS)})"
            )
        listing = ", ".join(f"{m.name} ({m.task})" for m in installed) or "none"
        raise NotFound(f"unknown image model {name!r}; installed: {listing}; the draft backend needs no model")
    if model.task != task:
        others = ", ".join(m.name for m in installed if m.task == task) or "none installed"
        raise InvalidInput(f"model: {name!r} does {model.task}, not {task} (models for {task}: {others})")
    return model


def model_infos(models_dir: Path) -> list[ModelInfo]:
    """The catalogue (installed or not) plus any other loadable folder under the models dir."""
    infos = [spec.info(models_dir) for spec in CATALOG]
    known = {spec.name for spec in CATALOG}
    for model in installed_models(models_dir):
        if model.name not in known:
            infos.append(
                ModelInfo(
                    name=model.name,
                    backend="diffusers",
                    task=model.task,
                    installed=True,
                    path=str(model.path),
                    description=f"local {model.pipeline_class}",
                )
            )
    return infos
