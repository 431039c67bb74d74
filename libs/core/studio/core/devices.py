"""Which torch device and dtype a backend uses (from STUDIO_DEVICE), and what that device can do.

ROCm builds of torch expose AMD GPUs through the `cuda` device API, so "rocm"
maps to "cuda" once torch confirms a HIP build.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from typing import Any

from studio.core.errors import ConfigError
from studio.core.placement import DeviceProfile


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


def device_memory_bytes(device: str) -> int:
    """Total memory of the accelerator (or of the host, for "cpu")."""
    if device == "cuda":
        import torch

        return int(torch.cuda.get_device_properties(0).total_memory)
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def gpu_uuid() -> str:
    """The visible GPU's UUID: the key processes sharing it agree on (CUDA_VISIBLE_DEVICES renumbers indices)."""
    import torch

    uuid = getattr(torch.cuda.get_device_properties(0), "uuid", None)
    return f"GPU-{uuid}" if uuid is not None else f"gpu-{torch.cuda.get_device_name(0)}-0"


def fp8_matmul_supported() -> bool:
    """Float8 matrix products (torch._scaled_mm) run on NVIDIA GPUs of compute capability 8.9 (Ada) and later."""
    import torch

    if not torch.cuda.is_available() or getattr(torch.version, "hip", None) is not None:
        return False
    return torch.cuda.get_device_capability(0) >= (8, 9)


@functools.cache
def measure_profile(device: str) -> DeviceProfile:
    """Measure what placement estimates need: matmul FLOP/s, memory and host-to-device bytes/s (~0.5 s on a GPU).

    On the CPU only the matmul rate matters (nothing is offloaded); copies are timed anyway.
    """
    import torch

    on_gpu = device == "cuda"
    dtype = torch_dtype(device)
    n = 4096 if on_gpu else 512
    a = torch.randn(n, n, device=device, dtype=dtype)
    flops = 2 * n**3 / _timed(lambda: a @ a, device, repeats=10 if on_gpu else 3)
    chunk = (256 if on_gpu else 32) * 1024**2
    source = torch.empty(chunk, dtype=torch.uint8, device=device)
    target = torch.empty_like(source)
    bandwidth = 2 * chunk / _timed(lambda: target.copy_(source), device)
    host = torch.empty(chunk, dtype=torch.uint8)
    pageable = chunk / _timed(lambda: target.copy_(host), device)
    pinned_host = host.pin_memory() if on_gpu else host
    pinned = chunk / _timed(lambda: target.copy_(pinned_host, non_blocking=True), device)
    name = torch.cuda.get_device_name(0) if on_gpu else "cpu"
    return DeviceProfile(name, flops, bandwidth, pinned, pageable, measured=True, kind="cuda" if on_gpu else "cpu")


def _timed(work: Callable[[], object], device: str, repeats: int = 5) -> float:
    """Seconds per call of `work`, after one warm-up call."""
    import torch

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    work()
    sync()
    started = time.perf_counter()
    for _ in range(repeats):
        work()
    sync()
    return max((time.perf_counter() - started) / repeats, 1e-9)
