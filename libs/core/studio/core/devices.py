"""Which torch device and dtype a backend uses, from STUDIO_DEVICE.

ROCm builds of torch expose AMD GPUs through the `cuda` device API, so "rocm"
maps to "cuda" once torch confirms a HIP build.
"""

from __future__ import annotations

from typing import Any

from studio.core.errors import ConfigError


def torch_device(setting: str) -> str:
    import torch

    if setting == "cpu":
        return "cpu"
    if setting in ("cuda", "rocm"):
        if not torch.cuda.is_available():
            raise ConfigError(f"STUDIO_DEVICE={setting} but torch sees no GPU (torch {torch.__version__})")
        if setting == "rocm" and getattr(torch.version, "hip", None) is None:
            raise ConfigError("STUDIO_DEVICE=rocm needs a ROCm build of torch (torch.version.hip is None)")
        return "cuda"
    return "cuda" if torch.cuda.is_available() else "cpu"


def torch_dtype(device: str) -> Any:
    """bf16 where the GPU supports it, fp16 on older GPUs, fp32 on CPU."""
    import torch

    if device != "cuda":
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
