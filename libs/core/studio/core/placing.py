"""Putting a loaded diffusers pipeline where its `Placement` says, with diffusers' own hooks.

Shared by the image and video servers; torch and diffusers are imported only when called.

- float8 storage: `enable_layerwise_casting` (weights kept as e4m3, each layer cast to the
  compute dtype just before it runs). Applied before offloading, so the pinned host copies
  that streaming moves are float8 too: half the bytes over the bus.
- streaming: group offload with a side CUDA stream, one block per group, pinned host memory,
  non-blocking copies and `record_stream`, so the copy of the next block overlaps this
  block's compute (diffusers models at block level, transformers' text encoders at leaf level:
  their blocks sit one level down).
- pipeline-wide model or sequential offload: diffusers' `enable_model_cpu_offload` /
  `enable_sequential_cpu_offload`.
- tiled decoding: `vae.enable_tiling()`.
"""

from __future__ import annotations

import logging
from typing import Any

from studio.core.placement import Placement, Where

log = logging.getLogger(__name__)


def modules(pipe: Any) -> dict[str, Any]:
    import torch

    return {name: part for name, part in pipe.components.items() if isinstance(part, torch.nn.Module)}


def place(pipe: Any, placement: Placement, device: str, dtype: Any) -> None:
    """Apply `placement` to a pipeline loaded on the CPU."""
    import torch

    parts = modules(pipe)
    for name, part in parts.items():
        if placement.of(name).fp8:
            part.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=dtype)
    wide = placement.pipeline_wide
    if wide is Where.OFFLOAD:
        pipe.enable_model_cpu_offload(device=device)
    elif wide is Where.SEQUENTIAL:
        pipe.enable_sequential_cpu_offload(device=device)
    else:
        for name, part in parts.items():
            if placement.of(name).where is Where.STREAM:
                stream(part, device)
            else:
                part.to(device)
    for name, part in parts.items():
        if placement.of(name).tiled and hasattr(part, "enable_tiling"):
            part.enable_tiling()


def stream(part: Any, device: str) -> None:
    """Group offload with prefetch on a side stream (no stream on the CPU: the hooks alone, for tests)."""
    import torch
    from diffusers.hooks import apply_group_offloading

    on_gpu = device == "cuda"
    block_level = bool(getattr(part, "_supports_group_offloading", False))
    apply_group_offloading(
        part,
        onload_device=torch.device(device),
        offload_device=torch.device("cpu"),
        offload_type="block_level" if block_level else "leaf_level",
        num_blocks_per_group=1 if block_level else None,
        non_blocking=on_gpu,
        use_stream=on_gpu,
        record_stream=on_gpu,
    )
