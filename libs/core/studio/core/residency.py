"""Accelerator residency: which loaded models sit in device memory, within a budget.

Model servers share one GPU (the brief's user has a 12 GB card that FLUX,
Chatterbox and a talking-head model must take turns on). The manager keeps at
most one loaded instance per model key, charges each against a budget
(`memory_fraction` of device memory), evicts the least recently used idle
model when a new one needs room, unloads models idle for longer than
`idle_unload_seconds`, and — when a model cannot fit whole — asks its loader
to place it with CPU offload instead of running out of memory.

It knows nothing about diffusers or TTS: a caller gives a key, a `Footprint`
(bytes at the load dtype) and a loader that honours a `Placement`. One
manager per process (`shared_residency()`) so services wired together in
embedded mode take turns on the same device.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import os
import struct
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import Field

from studio.core.errors import FailedPrecondition
from studio.core.settings import StudioSettings, load_settings

log = logging.getLogger(__name__)

T = TypeVar("T")
GB = 1024**3


class ResidencySettings(StudioSettings):
    """STUDIO_MEMORY_FRACTION, STUDIO_IDLE_UNLOAD_SECONDS, STUDIO_CPU_OFFLOAD (shared by every model server)."""

    #: Share of the device's memory this process may fill with model weights.
    memory_fraction: float = Field(default=0.8, gt=0, le=1)
    #: Unload a model nobody used for this long (0 = keep until evicted).
    idle_unload_seconds: float = Field(default=120.0, ge=0)
    #: auto: offload only what does not fit; none: never (too large = error); model/sequential: always.
    cpu_offload: Literal["auto", "none", "model", "sequential"] = "auto"


class Placement(StrEnum):
    """How a loader puts a model on the device."""

    #: Every weight on the device.
    DEVICE = "device"
    #: Whole sub-models move to the device while they run (diffusers `enable_model_cpu_offload`).
    MODEL_OFFLOAD = "model_offload"
    #: Layers stream to the device one at a time (slowest, smallest).
    SEQUENTIAL_OFFLOAD = "sequential_offload"


@dataclass(frozen=True)
class Footprint:
    """Memory a model needs at its load dtype."""

    total_bytes: int
    #: The biggest sub-model: what model offload keeps on the device at once.
    largest_bytes: int = 0

    def charged(self, placement: Placement) -> int:
        """Bytes charged against the budget for a placement (sequential offload holds only transient layers)."""
        if placement is Placement.DEVICE:
            return self.total_bytes
        if placement is Placement.MODEL_OFFLOAD:
            return self.largest_bytes or self.total_bytes
        return 0


@dataclass
class Loaded(Generic[T]):
    """A loaded model and how to let it go."""

    value: T
    release: Callable[[], None] = lambda: None


@dataclass
class _Entry:
    key: str
    loaded: Loaded[Any]
    placement: Placement
    charged: int
    last_used: float
    refs: int = 0


@dataclass(frozen=True)
class Resident:
    """One loaded model, for listings and metrics."""

    key: str
    placement: Placement
    charged_bytes: int
    in_use: int
    idle_seconds: float


Loader = Callable[[Placement], Loaded[T]]


@dataclass
class ResidencyManager:
    """Keeps loaded models within a device-memory budget (see the module docstring)."""

    budget_bytes: int
    #: "cuda" or "cpu"; offload placements only make sense on an accelerator.
    device: str = "cpu"
    idle_unload_seconds: float = 120.0
    cpu_offload: Literal["auto", "none", "model", "sequential"] = "auto"
    #: Free bytes on the device right now (other processes count too); None = unknown.
    free_memory: Callable[[], int | None] = lambda: None
    clock: Callable[[], float] = time.monotonic
    _entries: OrderedDict[str, _Entry] = field(default_factory=OrderedDict, init=False)
    _load_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _sweeper: asyncio.Task[None] | None = field(default=None, init=False)

    @property
    def used_bytes(self) -> int:
        return sum(entry.charged for entry in self._entries.values())

    def residents(self) -> list[Resident]:
        now = self.clock()
        return [
            Resident(e.key, e.placement, e.charged, e.refs, 0.0 if e.refs else now - e.last_used)
            for e in self._entries.values()
        ]

    def is_resident(self, key: str) -> bool:
        return key in self._entries

    @contextlib.asynccontextmanager
    async def use(self, key: str, footprint: Footprint, loader: Loader[T]) -> AsyncIterator[T]:
        """Yield the model under `key`, loading it (in a thread) if needed; it is not evicted while in use."""
        entry = self._entries.get(key)
        if entry is None:
            entry = await self._load(key, footprint, loader)
        entry.refs += 1
        self._entries.move_to_end(key)
        try:
            yield entry.loaded.value
        finally:
            entry.refs -= 1
            entry.last_used = self.clock()
            self._start_sweeper()

    def plan(self, footprint: Footprint, headroom: int) -> Placement:
        """The placement a model gets given `headroom` free bytes of budget."""
        if self.device == "cpu" or self.cpu_offload == "none":
            return Placement.DEVICE
        if self.cpu_offload == "model":
            return Placement.MODEL_OFFLOAD
        if self.cpu_offload == "sequential":
            return Placement.SEQUENTIAL_OFFLOAD
        if footprint.total_bytes <= headroom:
            return Placement.DEVICE
        if footprint.largest_bytes and footprint.largest_bytes <= headroom:
            return Placement.MODEL_OFFLOAD
        return Placement.SEQUENTIAL_OFFLOAD

    async def _load(self, key: str, footprint: Footprint, loader: Loader[T]) -> _Entry:
        async with self._load_lock:
            existing = self._entries.get(key)
            if existing is not None:  # loaded by a concurrent caller while we waited
                return existing
            placement = self.plan(footprint, self._headroom())
            charged = footprint.charged(placement)
            if placement is Placement.DEVICE and self.device != "cpu" and charged > self.budget_bytes:
                raise FailedPrecondition(
                    f"model {key} needs {charged / GB:.1f} GB but the device budget is "
                    f"{self.budget_bytes / GB:.1f} GB; set STUDIO_CPU_OFFLOAD=auto or raise STUDIO_MEMORY_FRACTION"
                )
            await self._make_room(charged)
            started = time.perf_counter()
            loaded = await asyncio.to_thread(loader, placement)
            log.info(
                "loaded %s (%s, %.2f GB charged) in %.2fs",
                key,
                placement.value,
                charged / GB,
                time.perf_counter() - started,
            )
            entry = _Entry(key, loaded, placement, charged, self.clock())
            self._entries[key] = entry
            return entry

    def _headroom(self) -> int:
        """Budget left if every idle model were evicted, capped by what the device really has free."""
        busy = sum(e.charged for e in self._entries.values() if e.refs > 0)
        headroom = self.budget_bytes - busy
        free = self.free_memory()
        if free is not None:
            idle = sum(e.charged for e in self._entries.values() if e.refs == 0)
            headroom = min(headroom, free + idle)
        return headroom

    async def _make_room(self, needed: int) -> None:
        """Evict idle models, least recently used first, until `needed` bytes fit."""
        for entry in list(self._entries.values()):
            if self.used_bytes + needed <= self.budget_bytes and self._device_has(needed):
                return
            if entry.refs == 0 and entry.charged > 0:  # an offloaded model holds no device memory to give back
                log.info("evicting %s to make room (%.2f GB)", entry.key, entry.charged / GB)
                await self._release(entry)

    def _device_has(self, needed: int) -> bool:
        free = self.free_memory()
        return free is None or free >= needed

    async def _release(self, entry: _Entry) -> None:
        self._entries.pop(entry.key, None)
        await asyncio.to_thread(_release_now, entry.loaded)

    async def unload(self, key: str) -> bool:
        """Unload `key` now if it is loaded and idle; True if it was unloaded."""
        async with self._load_lock:
            entry = self._entries.get(key)
            if entry is None or entry.refs > 0:
                return False
            await self._release(entry)
            return True

    async def unload_matching(self, prefix: str) -> list[str]:
        """Unload every idle model whose key starts with `prefix` (a service shutting down)."""
        keys = [key for key in self._entries if key.startswith(prefix)]
        return [key for key in keys if await self.unload(key)]

    async def sweep(self) -> list[str]:
        """Unload models idle for longer than `idle_unload_seconds`; return their keys."""
        if self.idle_unload_seconds <= 0:
            return []
        now = self.clock()
        stale = [e.key for e in self._entries.values() if e.refs == 0 and now - e.last_used >= self.idle_unload_seconds]
        unloaded = [key for key in stale if await self.unload(key)]
        for key in unloaded:
            log.info("unloaded %s after %.0fs idle", key, self.idle_unload_seconds)
        return unloaded

    def _start_sweeper(self) -> None:
        if self.idle_unload_seconds <= 0 or (self._sweeper is not None and not self._sweeper.done()):
            return
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_while_loaded())

    async def _sweep_while_loaded(self) -> None:
        """Runs only while something is loaded, so an idle process holds no timer."""
        interval = max(0.05, min(self.idle_unload_seconds / 4, 30.0))
        while self._entries:
            await asyncio.sleep(interval)
            await self.sweep()

    async def close(self) -> None:
        """Stop the sweeper and unload everything idle."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        for key in list(self._entries):
            await self.unload(key)


def _release_now(loaded: Loaded[Any]) -> None:
    loaded.release()
    loaded.value = None
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def device_memory_bytes(device: str) -> int:
    """Total memory of the accelerator (or of the host, for "cpu")."""
    if device == "cuda":
        import torch

        return int(torch.cuda.get_device_properties(0).total_memory)
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _cuda_free() -> int | None:
    import torch

    free, _total = torch.cuda.mem_get_info()
    return int(free)


def manager_for(device: str, settings: ResidencySettings) -> ResidencyManager:
    return ResidencyManager(
        budget_bytes=int(device_memory_bytes(device) * settings.memory_fraction),
        device=device,
        idle_unload_seconds=settings.idle_unload_seconds,
        cpu_offload=settings.cpu_offload,
        free_memory=_cuda_free if device == "cuda" else lambda: None,
    )


_shared: dict[str, ResidencyManager] = {}


def shared_residency(device: str) -> ResidencyManager:
    """The process-wide manager for `device` ("cuda" or "cpu"), built from settings on first use."""
    if device not in _shared:
        _shared[device] = manager_for(device, load_settings(ResidencySettings))
    return _shared[device]


# --- footprints from save_pretrained folders -------------------------------------------------

_DTYPE_BYTES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1}


def safetensors_parameters(path: Path) -> int:
    """Number of values stored in a .safetensors file, read from its header only."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        prefix = handle.read(8)
        if len(prefix) < 8:
            raise ValueError(f"{path} is not a safetensors file (too short)")
        (length,) = struct.unpack("<Q", prefix)
        if length > min(size - 8, 100 * 1024 * 1024):
            raise ValueError(f"{path} is not a safetensors file (header length {length} does not fit)")
        try:
            header = json.loads(handle.read(length))
        except ValueError:
            raise ValueError(f"{path} is not a safetensors file (unreadable header)") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path} is not a safetensors file (header is not a table)")
    count = 0
    for name, tensor in header.items():
        if name == "__metadata__":
            continue
        size = 1
        for dim in tensor["shape"]:
            size *= int(dim)
        count += size
    return count


def _weight_files(folder: Path) -> Iterable[Path]:
    """The weight files a loader reads: plain ones, or the variant ones when a folder has only those."""
    files = sorted(folder.glob("*.safetensors"))
    plain = [f for f in files if len(f.name.split(".")) == 2]
    return plain or files


def estimate_footprint(model_dir: Path, bytes_per_param: int) -> Footprint:
    """Footprint of a `save_pretrained` folder: each sub-folder with weights is one sub-model.

    Counts parameters from safetensors headers (no weights are read) and
    prices them at the dtype the model will be loaded in. Variant files
    (`*.fp16.safetensors`) are ignored when plain ones exist, as the loader does.
    """
    model_dir = Path(model_dir)
    parts: list[int] = []
    for folder in [model_dir, *sorted(p for p in model_dir.iterdir() if p.is_dir())]:
        files = list(_weight_files(folder))
        if files:
            parts.append(sum(safetensors_parameters(f) for f in files) * bytes_per_param)
    return Footprint(total_bytes=sum(parts), largest_bytes=max(parts, default=0))
