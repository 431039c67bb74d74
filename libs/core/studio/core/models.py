"""Model catalogue entries: what a backend can load, where it lives, what it needs.

Weights are only ever read from `$STUDIO_MODELS_DIR/<subdir>`; `repo_id` is used
by `studio models download` alone, never at request time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.v1.common_pb2 import ModelInfo

_MARKERS = ("model_index.json", "config.json", "tokenizer.json", "ve.safetensors", "t3_cfg.safetensors")


@dataclass(frozen=True)
class ModelSpec:
    name: str
    backend: str
    #: "text-to-image", "image-edit", "upscale", "tts", "music", "lip-sync", "image-to-video"
    task: str
    #: Where `studio models download` fetches it from (a hub repository id).
    repo_id: str
    #: Folder under the models directory (diffusers/transformers save_pretrained layout).
    subdir: str
    #: Approximate accelerator memory needed at bf16/fp16, in GB.
    vram_gb: float
    description: str
    #: Files to fetch (empty = everything in the repository).
    allow_patterns: tuple[str, ...] = ()

    def path(self, models_dir: Path) -> Path:
        return Path(models_dir) / self.subdir

    def installed(self, models_dir: Path) -> bool:
        folder = self.path(models_dir)
        if not folder.is_dir():
            return False
        return (
            any((folder / marker).is_file() for marker in _MARKERS)
            or any(folder.glob("*.safetensors"))
            or any(folder.glob("*.pth"))
        )

    def info(self, models_dir: Path) -> ModelInfo:
        return ModelInfo(
            name=self.name,
            backend=self.backend,
            task=self.task,
            installed=self.installed(models_dir),
            path=str(self.path(models_dir)),
            vram_gb=self.vram_gb,
            description=self.description,
        )
