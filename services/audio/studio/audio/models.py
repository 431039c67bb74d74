"""The audio service's model catalogue: what `studio models download` fetches, and where backends look."""

from __future__ import annotations

from studio.core.errors import ConfigError
from studio.core.models import ModelSpec

CATALOG: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="chatterbox",
        backend="chatterbox",
        task="tts",
        repo_id="ResembleAI/chatterbox",
        subdir="chatterbox",
        vram_gb=4.0,
        description="Resemble AI Chatterbox: zero-shot voice cloning TTS (English), 24 kHz",
        allow_patterns=("ve.safetensors", "t3_cfg.safetensors", "s3gen.safetensors", "tokenizer.json", "conds.pt"),
    ),
    ModelSpec(
        name="chatterbox-multilingual",
        backend="chatterbox",
        task="tts",
        repo_id="ResembleAI/chatterbox",
        subdir="chatterbox-multilingual",
        vram_gb=5.0,
        description="Resemble AI Chatterbox multilingual: voice cloning TTS in 23 languages (incl. pt), 24 kHz",
        allow_patterns=(
            "ve.pt",
            "t3_mtl23ls_v2.safetensors",
            "s3gen.pt",
            "grapheme_mtl_merged_expanded_v1.json",
            "conds.pt",
            "Cangjie5_TC.json",
        ),
    ),
    ModelSpec(
        name="musicgen-small",
        backend="musicgen",
        task="music",
        repo_id="facebook/musicgen-small",
        subdir="musicgen-small",
        vram_gb=2.0,
        description="Meta MusicGen small (300M): text-to-music, 32 kHz mono",
    ),
    ModelSpec(
        name="musicgen-medium",
        backend="musicgen",
        task="music",
        repo_id="facebook/musicgen-medium",
        subdir="musicgen-medium",
        vram_gb=8.0,
        description="Meta MusicGen medium (1.5B): text-to-music, 32 kHz mono",
    ),
    ModelSpec(
        name="musicgen-stereo-small",
        backend="musicgen",
        task="music",
        repo_id="facebook/musicgen-stereo-small",
        subdir="musicgen-stereo-small",
        vram_gb=2.0,
        description="Meta MusicGen stereo small: text-to-music, 32 kHz stereo",
    ),
)


def model_spec(name: str, backend: str) -> ModelSpec:
    """The catalogue entry `name` of `backend`; ConfigError listing the choices otherwise."""
    for spec in CATALOG:
        if spec.name == name and spec.backend == backend:
            return spec
    choices = ", ".join(spec.name for spec in CATALOG if spec.backend == backend)
    raise ConfigError(f"unknown {backend} model {name!r}; choose one of: {choices}")
