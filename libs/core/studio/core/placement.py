"""Where each part of a model sits on the accelerator, and the fastest arrangement that fits a budget.

A diffusion pipeline is a few parts run in turn (text encoders once per image,
the denoiser once per step, the VAE decoder once). Each part can sit whole on
the device, keep its weights in float8 and cast them up layer by layer
(diffusers layerwise casting: half the bytes), or stay in pinned host memory
and stream to the device block by block on a side CUDA stream while the
previous block computes (diffusers group offload). Pipeline-wide model
offload and sequential offload remain as the last resorts.

`plan` enumerates the arrangements, estimates each one's peak device memory
and seconds per image from the model's size and a measured `DeviceProfile`
(matmul throughput, device memory and host-to-device bandwidth), and returns
the fastest whose peak fits the headroom. Estimates are printed by `studio
models`, logged when a model loads, and checked against measurements by
`benchmarks/gpu.py`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

GB = 1024**3

#: Share of measured matmul throughput a whole model reaches (attention, norms and launches eat the rest).
MODEL_EFFICIENCY = 0.8
#: float8 storage casts every weight up before and back after each call: bytes of device traffic per parameter.
FP8_CAST_BYTES_PER_PARAM = 6
#: Tiled VAE decoding redoes overlapping borders.
TILED_DECODE_COST = 1.25
#: Activation memory of a tiled decode (one tile at a time), whatever the image size.
TILED_DECODE_BYTES = 768 * 1024**2
#: Sequential offload waits for every layer's copy before computing it.
SEQUENTIAL_SYNC_COST = 1.5

Strategy = Literal["auto", "device", "fp8", "stream", "fp8-stream", "offload", "fp8-offload", "sequential"]
STRATEGIES: tuple[str, ...] = ("auto", "device", "fp8", "stream", "fp8-stream", "offload", "fp8-offload", "sequential")


class Where(StrEnum):
    #: Every weight on the device.
    DEVICE = "device"
    #: Pinned host memory, streamed block by block with prefetch (group offload with CUDA streams).
    STREAM = "stream"
    #: Pipeline-wide model offload: each part moves to the device whole while it runs.
    OFFLOAD = "offload"
    #: Pipeline-wide sequential offload: layers move one at a time, blocking (smallest, slowest).
    SEQUENTIAL = "sequential"


#: Placements applied to a whole pipeline at once (diffusers cannot mix them with others).
PIPELINE_WIDE = (Where.OFFLOAD, Where.SEQUENTIAL)


class Role(StrEnum):
    DENOISER = "denoiser"  # runs once per step: transformer / unet
    ENCODER = "encoder"  # runs once per prompt: text encoders
    DECODER = "decoder"  # runs once per image: VAE
    MODEL = "model"  # a model with no parts (TTS, music, lip-sync): on the device or not at all


def role_of(part: str) -> Role:
    """The role of a diffusers pipeline component, from its name."""
    if part in ("transformer", "unet"):
        return Role.DENOISER
    if part.startswith("text_encoder"):
        return Role.ENCODER
    if part == "vae":
        return Role.DECODER
    return Role.MODEL


@dataclass(frozen=True)
class PartPlacement:
    where: Where = Where.DEVICE
    #: Weights stored as float8 (e4m3), cast to the compute dtype layer by layer.
    fp8: bool = False
    #: The decoder works in tiles (less activation memory).
    tiled: bool = False

    @property
    def label(self) -> str:
        return "+".join([*(["fp8"] if self.fp8 else []), *(["tiled"] if self.tiled else []), self.where.value])


@dataclass(frozen=True)
class Part:
    """One sub-model, sized at its load dtype."""

    name: str
    params: int
    role: Role = Role.MODEL
    bytes_per_param: int = 2
    #: Forward calls per image (the denoiser: one per step).
    calls: int = 1
    #: Floating-point operations per call.
    flops: float = 0.0
    #: Parameters of its largest repeated block: what streaming holds on the device at once (two, with prefetch).
    block_params: int = 0
    #: Activation memory while it runs.
    working_bytes: int = 0

    @property
    def bytes(self) -> int:
        return self.params * self.bytes_per_param

    def weight_bytes(self, fp8: bool) -> int:
        return self.params if fp8 else self.bytes


@dataclass(frozen=True)
class Footprint:
    """What a model needs: its parts (a single-part model is the common case)."""

    parts: tuple[Part, ...]

    @classmethod
    def single(cls, total_bytes: int, name: str = "model") -> Footprint:
        return cls((Part(name, params=total_bytes, bytes_per_param=1),))

    @property
    def total_bytes(self) -> int:
        return sum(part.bytes for part in self.parts)


@dataclass(frozen=True)
class Placement:
    """Where every part of a model sits."""

    parts: tuple[tuple[str, PartPlacement], ...]

    @classmethod
    def whole(cls, footprint: Footprint) -> Placement:
        return cls(tuple((part.name, PartPlacement()) for part in footprint.parts))

    def of(self, name: str) -> PartPlacement:
        return dict(self.parts).get(name, PartPlacement())

    @property
    def on_device(self) -> bool:
        """Every part whole on the device in its load dtype (nothing to apply but `.to(device)`)."""
        return all(p == PartPlacement() for _, p in self.parts)

    @property
    def pipeline_wide(self) -> Where | None:
        return next((p.where for _, p in self.parts if p.where in PIPELINE_WIDE), None)

    @property
    def label(self) -> str:
        """`device`, or the parts not simply on the device: `text_encoder_2=stream, transformer=fp8+stream`."""
        wide = self.pipeline_wide
        if wide is not None:
            fp8 = [name for name, p in self.parts if p.fp8]
            return f"{wide.value} offload" + (f" ({', '.join(fp8)} fp8)" if fp8 else "")
        special = sorted(f"{name}={p.label}" for name, p in self.parts if p != PartPlacement())
        return ", ".join(special) or "device"


@dataclass(frozen=True)
class DeviceProfile:
    """How fast a device computes and moves data; measured by `studio.core.devices.measure_profile`."""

    name: str
    #: Dense matmul throughput at the load dtype, FLOP/s.
    flops: float
    #: Device memory bandwidth, bytes/s (float8 casting is bound by it).
    memory_bandwidth: float
    #: Host-to-device copy from pinned memory, bytes/s (streaming).
    pinned_h2d: float
    #: Host-to-device copy from ordinary memory, bytes/s (model and sequential offload).
    pageable_h2d: float
    #: False for nominal figures (no device to measure).
    measured: bool = True
    #: "cuda" or "cpu": offload placements exist only on an accelerator.
    kind: str = "cuda"


#: A 12 GB consumer card (RTX 3060 class: ~25 TFLOP/s bf16 with fp32 accumulate, 360 GB/s, PCIe 4.0 x16),
#: used by `studio models --vram` when there is no GPU here to measure.
NOMINAL_12GB = DeviceProfile(
    "nominal 12 GB card (RTX 3060 class, not measured)", 25e12, 360e9, 20e9, 8e9, measured=False
)


@dataclass(frozen=True)
class Estimate:
    placement: Placement
    seconds: float
    peak_bytes: int

    def describe(self) -> str:
        return f"{self.placement.label}, ~{self.seconds:.1f} s/image, peak ~{self.peak_bytes / GB:.1f} GB"


@dataclass(frozen=True)
class _PartCost:
    seconds: float
    resident: int
    transient: int


def _part_cost(part: Part, where: PartPlacement, profile: DeviceProfile) -> _PartCost:
    weights = part.weight_bytes(where.fp8)
    compute = part.calls * part.flops / (profile.flops * MODEL_EFFICIENCY)
    if where.tiled:
        compute *= TILED_DECODE_COST
    if where.fp8:
        compute += part.calls * part.params * FP8_CAST_BYTES_PER_PARAM / profile.memory_bandwidth
    working = min(part.working_bytes, TILED_DECODE_BYTES) if where.tiled else part.working_bytes
    if where.where is Where.DEVICE:
        return _PartCost(compute, weights, working)
    block = (part.block_params or part.params) * (1 if where.fp8 else part.bytes_per_param)
    if where.where is Where.STREAM:  # the copy of block n+1 overlaps the compute of block n
        return _PartCost(max(compute, part.calls * weights / profile.pinned_h2d), 0, min(2 * block, weights) + working)
    if where.where is Where.OFFLOAD:  # moved in once per image, blocking
        return _PartCost(compute + weights / profile.pageable_h2d, 0, weights + working)
    copies = part.calls * weights / profile.pageable_h2d * SEQUENTIAL_SYNC_COST
    return _PartCost(compute + copies, 0, block // 4 + working)


def estimate(footprint: Footprint, placement: Placement, profile: DeviceProfile) -> Estimate:
    """Seconds per image and peak device bytes: resident weights plus the largest part running at a time."""
    costs = [_part_cost(part, placement.of(part.name), profile) for part in footprint.parts]
    peak = sum(c.resident for c in costs) + max((c.transient for c in costs), default=0)
    return Estimate(placement, sum(c.seconds for c in costs), peak)


def _options(part: Part, strategy: str) -> list[PartPlacement]:
    """What a part may get under a strategy ("auto": everything worth trying)."""
    if part.role is Role.MODEL:
        return [PartPlacement()]
    if part.role is Role.DECODER:
        return [PartPlacement(), PartPlacement(tiled=True)] if strategy == "auto" else [PartPlacement()]
    if strategy == "auto":
        wheres = [Where.DEVICE, Where.STREAM]
        fp8s = [False, True] if part.role is Role.DENOISER else [False]
        return [PartPlacement(w, f) for w in wheres for f in fp8s]
    fp8 = strategy.startswith("fp8") and part.role is Role.DENOISER
    if strategy in ("device", "fp8"):
        return [PartPlacement(Where.DEVICE, fp8)]
    return [PartPlacement(Where.STREAM, fp8)]


def _wide(footprint: Footprint, where: Where, fp8: bool) -> Placement:
    return Placement(
        tuple((part.name, PartPlacement(where, fp8 and part.role is Role.DENOISER, False)) for part in footprint.parts)
    )


def candidates(footprint: Footprint, strategy: str = "auto") -> Iterator[Placement]:
    """Every placement a strategy allows."""
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown placement strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
    if strategy in ("offload", "fp8-offload", "sequential"):
        yield _wide(
            footprint, Where.SEQUENTIAL if strategy == "sequential" else Where.OFFLOAD, strategy == "fp8-offload"
        )
        return
    names = [part.name for part in footprint.parts]
    for combo in itertools.product(*(_options(part, strategy) for part in footprint.parts)):
        yield Placement(tuple(zip(names, combo, strict=True)))
    if strategy == "auto" and any(part.role is not Role.MODEL for part in footprint.parts):
        for fp8 in (False, True):
            yield _wide(footprint, Where.OFFLOAD, fp8)
        yield _wide(footprint, Where.SEQUENTIAL, False)


@dataclass(frozen=True)
class Plan:
    """The placement chosen for a model, with its estimate and whether it fits."""

    estimate: Estimate
    fits: bool
    headroom: int
    alternatives: tuple[Estimate, ...] = field(default=(), compare=False)

    @property
    def placement(self) -> Placement:
        return self.estimate.placement


def plan(footprint: Footprint, headroom: int, profile: DeviceProfile, strategy: str = "auto") -> Plan:
    """The fastest placement whose estimated peak fits `headroom` (or, if none fits, the smallest).

    On a CPU "device" there is nothing to offload to: everything stays where it is.
    A forced strategy is used even if it does not fit (the caller decides what to do).
    """
    if profile.kind != "cuda":
        only = estimate(footprint, Placement.whole(footprint), profile)
        return Plan(only, True, headroom)
    estimates = sorted(
        (estimate(footprint, p, profile) for p in candidates(footprint, strategy)), key=lambda e: e.seconds
    )
    fitting = [e for e in estimates if e.peak_bytes <= headroom]
    if fitting:
        return Plan(fitting[0], True, headroom, tuple(estimates))
    smallest = min(estimates, key=lambda e: (e.peak_bytes, e.seconds))
    return Plan(smallest, False, headroom, tuple(estimates))
