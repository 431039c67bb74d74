"""Accelerator residency: which loaded models sit in device memory, within a budget.

Model servers share one GPU (the brief's user has a 12 GB card that FLUX,
Chatterbox and a talking-head model must take turns on). The manager keeps at
most one loaded instance per model key, charges each against a budget
(`memory_fraction` of device memory), evicts the least recently used idle
model when a new one needs room, unloads models idle for longer than
`idle_unload_seconds`, and asks `studio.core.placement` for the fastest
placement that fits (float8 storage, streamed offload, ...) instead of
running out of memory.

Processes that share the GPU (distributed mode: audio, image and video
servers on one card) also hold a `GpuLease` (`studio.core.gpu_lease`): a
ledger of every process's charged bytes, so a server that needs room asks
the others to unload their idle models, and waits while they are busy.

It knows nothing about diffusers or TTS: a caller gives a key, a `Footprint`
and a loader that honours a `Placement`. One manager per process
(`shared_residency()`) so services wired together in embedded mode take turns
on the same device.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import struct
import sys
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import Field

from studio.core.errors import FailedPrecondition, Overloaded
from studio.core.placement import GB, DeviceProfile, Footprint, Part, Placement, Plan, Strategy, plan
from studio.core.settings import StudioSettings

log = logging.getLogger(__name__)

T = TypeVar("T")


class ResidencySettings(StudioSettings):
    """STUDIO_MEMORY_FRACTION, STUDIO_PLACEMENT, STUDIO_GPU_LEASE, ... (shared by every model server)."""

    #: Share of the device's memory the model servers on it may fill (all processes together, with the lease).
    memory_fraction: float = Field(default=0.8, gt=0, le=1)
    #: Plan for a device of this many GB instead of the real one (0 = the real one): try a 12 GB card's
    #: placements on a bigger GPU, or simulate a budget on the CPU.
    device_memory_gb: float = Field(default=0.0, ge=0)
    #: Unload a model nobody used for this long (0 = keep until evicted).
    idle_unload_seconds: float = Field(default=120.0, ge=0)
    #: auto: the fastest placement that fits; or force one (see docs/gpu.md).
    placement: Strategy = "auto"
    #: Share the GPU with other processes through a NATS ledger: auto = when the device is a GPU and the
    #: server has a NATS connection; nats = always (CPU simulations); off = never.
    gpu_lease: Literal["auto", "nats", "off"] = "auto"
    #: Key of the device in the ledger (empty = the GPU's UUID).
    gpu_id: str = ""
    #: A process that stops heart-beating loses its lease after this long.
    gpu_lease_ttl_seconds: float = Field(default=10.0, gt=0)
    #: How long a load on a GPU waits for models in use (here or in other processes) before failing with Overloaded.
    load_wait_seconds: float = Field(default=600.0, gt=0)


@dataclass
class Loaded(Generic[T]):
    """A loaded model and how to let it go."""

    value: T
    release: Callable[[], None] = lambda: None


@dataclass
class _Entry:
    key: str
    loaded: Loaded[Any]
    plan: Plan
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
    expected_seconds: float


Loader = Callable[[Placement], Loaded[T]]


class Lease(Protocol):
    """The cross-process ledger (`studio.core.gpu_lease.GpuLease`) as the manager uses it."""

    async def reserve(self, extra: int) -> None: ...

    async def settle(self) -> None: ...

    async def close(self) -> None: ...


@dataclass
class ResidencyManager:
    """Keeps loaded models within a device-memory budget (see the module docstring)."""

    budget_bytes: int
    #: "cuda" or "cpu"; offload placements only make sense on an accelerator.
    device: str = "cpu"
    idle_unload_seconds: float = 120.0
    strategy: Strategy = "auto"
    #: Speeds used to estimate placements; measured on first need when None.
    profile: DeviceProfile | None = None
    #: Free bytes on the device right now (other processes count too); None = unknown.
    free_memory: Callable[[], int | None] = lambda: None
    clock: Callable[[], float] = time.monotonic
    #: Set by `studio.core.gpu_lease.GpuLease.attach` when processes share the device.
    lease: Lease | None = None
    _entries: OrderedDict[str, _Entry] = field(default_factory=OrderedDict, init=False)
    #: How long a load on an accelerator waits for models in use to be released before giving up.
    wait_seconds: float = 600.0
    _load_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)
    _released: asyncio.Condition = field(default_factory=asyncio.Condition, init=False)
    _sweeper: asyncio.Task[None] | None = field(default=None, init=False)

    @property
    def used_bytes(self) -> int:
        return sum(entry.charged for entry in self._entries.values())

    @property
    def idle_bytes(self) -> int:
        return sum(entry.charged for entry in self._entries.values() if entry.refs == 0)

    def device_profile(self) -> DeviceProfile:
        if self.profile is None:
            from studio.core.devices import measure_profile

            self.profile = measure_profile(self.device)
        return self.profile

    def residents(self) -> list[Resident]:
        now = self.clock()
        return [
            Resident(
                e.key,
                e.plan.placement,
                e.charged,
                e.refs,
                0.0 if e.refs else now - e.last_used,
                e.plan.estimate.seconds,
            )
            for e in self._entries.values()
        ]

    def is_resident(self, key: str) -> bool:
        return key in self._entries

    def placement_of(self, key: str) -> Placement | None:
        entry = self._entries.get(key)
        return entry.plan.placement if entry else None

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
            if entry.refs == 0:
                async with self._released:
                    self._released.notify_all()

    def plan_for(self, footprint: Footprint, headroom: int | None = None) -> Plan:
        """The placement a model would get now (with `headroom` free bytes; default: the whole budget)."""
        return plan(
            footprint, self.budget_bytes if headroom is None else headroom, self.device_profile(), self.strategy
        )

    async def _load(self, key: str, footprint: Footprint, loader: Loader[T]) -> _Entry:
        async with self._load_lock:
            existing = self._entries.get(key)
            if existing is not None:  # loaded by a concurrent caller while we waited
                return existing
            chosen = await asyncio.to_thread(self.plan_for, footprint, self._headroom())
            charged = chosen.estimate.peak_bytes
            if not chosen.fits:
                message = (
                    f"model {key} needs {charged / GB:.1f} GB even as {chosen.placement.label} but the device "
                    f"budget is {self.budget_bytes / GB:.1f} GB"
                )
                if self.strategy == "auto":
                    raise FailedPrecondition(f"{message}; raise STUDIO_MEMORY_FRACTION or use a smaller model")
                log.warning("%s; loading it anyway because STUDIO_PLACEMENT=%s", message, self.strategy)
            await self._make_room(charged)
            if self.lease is not None:
                await self.lease.reserve(charged)
            started = time.perf_counter()
            try:
                loaded = await asyncio.to_thread(loader, chosen.placement)
                entry = _Entry(key, loaded, chosen, charged, self.clock())
                self._entries[key] = entry
            finally:
                if self.lease is not None:
                    await self.lease.settle()  # the reservation becomes the entry's charge, or goes
            log.info(
                "loaded %s in %.1fs: %s (budget %.1f GB)",
                key,
                time.perf_counter() - started,
                chosen.estimate.describe(),
                self.budget_bytes / GB,
            )
            return entry

    @property
    def _takes_turns(self) -> bool:
        """On an accelerator a load waits for models in use; on the CPU it loads beside them (host memory)."""
        return self.device != "cpu" or self.lease is not None

    def _headroom(self) -> int:
        """What a new model may plan for: the budget once this process's models are out of the way.

        Models in use count as room (the load waits for them) where models take turns; without a
        lease, what the device really has free caps it (another process may hold memory).
        """
        headroom = self.budget_bytes
        if not self._takes_turns:
            headroom -= sum(e.charged for e in self._entries.values() if e.refs > 0)
        free = None if self.lease is not None else self.free_memory()
        if free is not None:
            headroom = min(headroom, free + self.used_bytes)
        return headroom

    async def _make_room(self, needed: int) -> None:
        """Evict idle models, least recently used first, until `needed` bytes fit; wait for busy ones on a GPU.

        With a lease, waiting (for this process's models and the others') is the lease's job.
        """
        deadline = time.monotonic() + self.wait_seconds
        while True:
            for entry in list(self._entries.values()):
                if self._fits(needed):
                    return
                if entry.refs == 0 and self._entries.get(entry.key) is entry:
                    log.info("evicting %s to make room (%.2f GB)", entry.key, entry.charged / GB)
                    await self._release(entry)
            busy = [e.key for e in self._entries.values() if e.refs > 0]
            if self._fits(needed) or not busy or not self._takes_turns or self.lease is not None:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Overloaded(f"the device stayed busy for {self.wait_seconds:.0f}s with {', '.join(busy)}")
            log.info("waiting for %s to finish: %.2f GB needed", ", ".join(busy), needed / GB)
            async with self._released:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._released.wait(), remaining)

    def _fits(self, needed: int) -> bool:
        return self.used_bytes + needed <= self.budget_bytes and self._device_has(needed)

    def _device_has(self, needed: int) -> bool:
        free = None if self.lease is not None else self.free_memory()
        return free is None or free >= needed

    async def _release(self, entry: _Entry) -> None:
        self._entries.pop(entry.key, None)
        await asyncio.to_thread(_release_now, entry.loaded)

    async def release_idle(self, needed: int) -> int:
        """Unload idle models, least recently used first, until `needed` bytes are freed (another process asks)."""
        freed = 0
        for entry in list(self._entries.values()):
            if freed >= needed:
                break
            if entry.refs == 0 and self._entries.get(entry.key) is entry:
                log.info("unloading %s: another process on this device needs %.2f GB", entry.key, needed / GB)
                await self._release(entry)
                freed += entry.charged
        return freed

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
        if self.lease is not None:
            await self.lease.settle()


def _release_now(loaded: Loaded[Any]) -> None:
    loaded.release()
    loaded.value = None
    gc.collect()
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


def budget_for(device: str, settings: ResidencySettings) -> int:
    """`memory_fraction` of the device's memory (or of STUDIO_DEVICE_MEMORY_GB, when set)."""
    from studio.core.devices import device_memory_bytes

    total = settings.device_memory_gb * GB if settings.device_memory_gb else device_memory_bytes(device)
    return int(total * settings.memory_fraction)


def _cuda_free() -> int | None:
    import torch

    free, _total = torch.cuda.mem_get_info()
    return int(free)


def manager_for(device: str, settings: ResidencySettings) -> ResidencyManager:
    simulated = settings.device_memory_gb > 0  # a pretend card: the real one's free memory says nothing about it
    return ResidencyManager(
        budget_bytes=budget_for(device, settings),
        device=device,
        idle_unload_seconds=settings.idle_unload_seconds,
        strategy=settings.placement,
        wait_seconds=settings.load_wait_seconds,
        free_memory=_cuda_free if device == "cuda" and not simulated else lambda: None,
    )


@dataclass
class ResidentModel(Generic[T]):
    """A backend's model kept through residency: loaded when an operation holds it, evicted when idle.

    TTS, music, lip-sync and image-to-video backends run their model in worker threads;
    the operation holds it (`async with resident.hold()`) around that work, and the thread
    code reads `current`. Eviction drops `current`, so nothing keeps the weights alive.
    """

    key: str
    footprint: Callable[[], Footprint]
    #: Placement -> the model, on the device the placement says (called in a worker thread).
    build: Callable[[Placement], T]
    residency: ResidencyManager
    #: Called after the model is let go (e.g. to drop caches holding device tensors).
    on_release: Callable[[], None] = lambda: None
    current: T | None = None

    def _load(self, placement: Placement) -> Loaded[T]:
        return Loaded(self.build(placement), release=self._drop)

    def _drop(self) -> None:
        self.current = None
        self.on_release()

    @contextlib.asynccontextmanager
    async def hold(self) -> AsyncIterator[T]:
        async with self.residency.use(self.key, self.footprint(), self._load) as model:
            self.current = model
            yield model


def holding(backend: object) -> contextlib.AbstractAsyncContextManager[Any]:
    """Hold a backend's resident model for the length of an operation (no-op for backends without one)."""
    resident = getattr(backend, "resident", None)
    return resident.hold() if isinstance(resident, ResidentModel) else contextlib.nullcontext()


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


def folder_parameters(model_dir: Path) -> dict[str, int]:
    """Parameters of a `save_pretrained` folder, per sub-folder holding weights ("" for the folder itself).

    Counts from safetensors headers (no weights are read). Variant files (`*.fp16.safetensors`)
    are ignored when plain ones exist, as the loader does.
    """
    model_dir = Path(model_dir)
    counts: dict[str, int] = {}
    for folder in [model_dir, *sorted(p for p in model_dir.iterdir() if p.is_dir())]:
        files = list(_weight_files(folder))
        if files:
            counts["" if folder == model_dir else folder.name] = sum(safetensors_parameters(f) for f in files)
    return counts


def estimate_footprint(model_dir: Path, bytes_per_param: int) -> Footprint:
    """A single-part footprint of everything in a `save_pretrained` folder, at `bytes_per_param`."""
    return Footprint((Part("model", sum(folder_parameters(model_dir).values()), bytes_per_param=bytes_per_param),))
