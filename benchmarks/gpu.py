"""GPU numbers through the service code: FLUX-dev, SD 3.5 Large and MusicGen-small, random weights at full size.

Every case goes through the real service: `Generate` / `GenerateMusic` calls on the image and
audio services (embedded), whose backends load through residency, which plans the placement
and applies it with the same code as in production. Only the weights differ: random, built at
the published sizes in memory (images) or saved like a download (MusicGen); no checkpoint is
needed. Each case prints what residency expected (placement, s/image, peak) next to what was
measured, then one table closes the run.

    python -m benchmarks.gpu                     # full size on a CUDA GPU; tiny models on a CPU
    python -m benchmarks.gpu --tiny              # tiny models anywhere (what CI-sized machines run)
    python -m benchmarks.gpu --cases flux-whole,flux-12gb-auto --steps 8   # a subset, fewer steps
    python -m benchmarks.gpu --list              # the cases

"12 GB" cases plan for a 12 GB card (STUDIO_DEVICE_MEMORY_GB=12, STUDIO_MEMORY_FRACTION 0.8: a 9.6 GB
budget) on whatever GPU runs them; their measured peak must stay within that budget.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

if not __package__:  # run as a file: benchmarks/studio.py must not shadow the `studio` namespace
    sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.clients import EmbeddedClient
from studio.core.placement import GB
from studio.core.residency import ResidencyManager, ResidencySettings, manager_for

PROMPT = "a red fox in a watercolor forest, morning light"


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "image" or "music"
    family: str  # random_models family, or the music dtype
    label: str
    #: Plan for a card of this many GB (None: the real device).
    card_gb: float | None = None
    placement: str = "auto"
    speedups: bool = False
    static_cache: bool = False


CASES = (
    Case("flux-whole", "image", "flux", "FLUX.1-dev 1024², whole card"),
    Case("flux-whole-speedups", "image", "flux", "FLUX.1-dev, whole card, compile + fp8 matmul", speedups=True),
    Case("flux-12gb-auto", "image", "flux", "FLUX.1-dev, 12 GB budget, residency's choice", 12),
    Case("flux-12gb-fp8-stream", "image", "flux", "FLUX.1-dev, 12 GB, fp8 + streamed blocks", 12, "fp8-stream"),
    Case("flux-12gb-stream", "image", "flux", "FLUX.1-dev, 12 GB, streamed blocks (bf16)", 12, "stream"),
    Case("flux-12gb-fp8-offload", "image", "flux", "FLUX.1-dev, 12 GB, fp8 + model offload", 12, "fp8-offload"),
    Case("flux-12gb-sequential", "image", "flux", "FLUX.1-dev, 12 GB, sequential offload", 12, "sequential"),
    Case("sd35-whole", "image", "sd3", "SD 3.5 Large 1024², whole card"),
    Case("sd35-12gb-auto", "image", "sd3", "SD 3.5 Large, 12 GB budget, residency's choice", 12),
    Case("musicgen-fp32", "music", "float32", "MusicGen-small fp32 (TF32 on GPUs)"),
    Case("musicgen-bf16", "music", "bfloat16", "MusicGen-small bf16 (EnCodec fp32)"),
    Case("musicgen-static", "music", "float32", "MusicGen-small fp32 + static cache", static_cache=True),
)
#: Left out unless named: sequential offload takes minutes per image at full size; compiling on a CPU
#: (the speed-ups are for GPUs) takes minutes on a small machine.
SLOW = {"flux-12gb-sequential"}
GPU_ONLY = {"flux-whole-speedups"}
#: Catalogue names the random pipelines stand in for (their request defaults: steps, guidance).
MODEL_NAMES = {"flux": "flux-dev", "sd3": "sd35-large"}


@dataclass
class Row:
    case: str
    label: str
    placement: str = "-"
    budget_gb: float | None = None
    expected: str = "-"
    measured: str = "-"
    expected_peak_gb: float | None = None
    peak_gb: float | None = None
    load_s: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Device = Literal["cpu", "cuda"]


def cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def reset_peak() -> None:
    import torch

    gc.collect()
    if cuda():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def peak_gb() -> float | None:
    import torch

    return torch.cuda.max_memory_allocated() / GB if cuda() else None


def residency_for(case: Case, device: str) -> ResidencyManager:
    settings = ResidencySettings(
        device_memory_gb=case.card_gb or 0.0,
        placement=case.placement,  # type: ignore[arg-type]
        idle_unload_seconds=0,
        gpu_lease="off",
    )
    return manager_for(device, settings)


def random_pipeline(family: str, size: str, device: str) -> Any:
    """Full size: built on the GPU (fast random init) in bf16, then handed over on the CPU as a load would be."""
    import torch

    from studio.image.random_models import build_pipeline

    if size == "tiny":
        return build_pipeline(family, "tiny")  # type: ignore[arg-type]
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device(device):
            pipe = build_pipeline(family, "full")  # type: ignore[arg-type]
    finally:
        torch.set_default_dtype(torch.float32)
    pipe.to("cpu")
    return pipe


async def run_image(case: Case, size: str, steps: int | None, repeats: int, root: Path) -> Row:
    from studio.image.backends.diffusion import DiffusersBackend
    from studio.image.footprint import pipeline_footprint
    from studio.image.models import ImageModel
    from studio.image.service import build_service
    from studio.image.settings import ImageSettings
    from studio.v1.image_pb2 import GenerateRequest

    device: Device = "cuda" if cuda() else "cpu"
    name = MODEL_NAMES[case.family]
    folder = root / "models" / "image" / name
    folder.mkdir(parents=True, exist_ok=True)
    pipeline_class = "FluxPipeline" if case.family == "flux" else "StableDiffusion3Pipeline"
    (folder / "model_index.json").write_text(json.dumps({"_class_name": pipeline_class}))
    pipe = random_pipeline(case.family, size, device)
    reset_peak()
    residency = residency_for(case, device)
    settings = ImageSettings(
        preload=True,
        compile=case.speedups,
        fp8_matmul=case.speedups,
        batch_window_ms=0,
        models_dir=root / "models",
        device=device,
    )
    store = LocalArtifactStore(root / "artifacts")
    definition = build_service(store, settings, residency)
    service = definition.operation("Generate").handler.__self__  # type: ignore[attr-defined]
    bytes_per_param = 2 if device == "cuda" else 4

    def footprint_of(model: ImageModel) -> Any:
        return pipeline_footprint(pipe, model.profile, bytes_per_param)

    # The only stand-in: the pipeline comes from memory (random weights), not from the folder.
    service._diffusers = DiffusersBackend(
        settings, root / "models", device, residency, build_pipeline=lambda _m, _d: pipe, footprint_of=footprint_of
    )
    started = time.perf_counter()
    assert definition.load is not None
    await definition.load()  # plans, places (and with speedups compiles and warms) before "SERVING"
    load_s = time.perf_counter() - started
    (resident,) = residency.residents()
    side = 1024 if size == "full" else 64
    profile = service._diffusers.profile(name, "text-to-image")
    steps = steps or (profile.steps if size == "full" else 4)
    client = EmbeddedClient(definition, store)
    request = GenerateRequest(prompt=PROMPT, width=side, height=side, steps=steps, seed=1, model=name)
    await client.call("Generate", request)  # the first call after loading pays one-off costs
    started = time.perf_counter()
    for i in range(repeats):
        request.seed = 2 + i
        await client.call("Generate", request)
    per_image = (time.perf_counter() - started) / repeats
    expected = resident.expected_seconds * steps / profile.steps if size == "full" else None
    row = Row(
        case.name,
        case.label,
        resident.placement.label,
        residency.budget_bytes / GB,
        f"{expected:.1f} s/img" if expected is not None else "-",
        f"{per_image:.2f} s/img",
        resident.charged_bytes / GB,
        peak_gb(),
        load_s,
        f"{side}², {steps} steps",
    )
    if case.speedups and not cuda():
        row.note += "; speedups need a GPU (compile ran on CPU)"
    await client.close()
    await residency.close()
    return row


async def run_music(case: Case, size: str, seconds: float, root: Path) -> Row:
    from studio.audio.random_models import save_random_musicgen
    from studio.audio.service import build_service
    from studio.audio.settings import AudioSettings
    from studio.core.gpu_lease import shared_residency
    from studio.v1.audio_pb2 import GenerateMusicRequest

    device: Device = "cuda" if cuda() else "cpu"
    models = root / "models"
    if not (models / "musicgen-small").is_dir():
        save_random_musicgen(models / "musicgen-small", "full" if size == "full" else "tiny")
    reset_peak()
    dtype = cast(Any, case.family)  # "float32" / "bfloat16": a MusicGen dtype name
    settings = AudioSettings(
        music_backend="musicgen",
        musicgen_dtype=dtype,
        musicgen_static_cache=case.static_cache,
        models_dir=models,
        device=device,
    )
    store = LocalArtifactStore(root / "artifacts")
    definition = build_service(store, settings=settings)
    started = time.perf_counter()
    assert definition.load is not None
    await definition.load()
    load_s = time.perf_counter() - started
    client = EmbeddedClient(definition, store)
    await client.call(
        "GenerateMusic", GenerateMusicRequest(description="calm warm piano", duration_seconds=1.0, seed=0)
    )
    started = time.perf_counter()
    await client.call(
        "GenerateMusic", GenerateMusicRequest(description="calm warm piano", duration_seconds=seconds, seed=1)
    )
    elapsed = time.perf_counter() - started
    manager = shared_residency(device)
    placement = manager.residents()[0].placement.label if manager.residents() else "-"
    row = Row(
        case.name,
        case.label,
        placement,
        measured=f"RTF {elapsed / seconds:.2f}",
        peak_gb=peak_gb(),
        load_s=load_s,
        note=f"{seconds:g} s of music in {elapsed:.1f} s",
    )
    await client.close()
    await manager.close()
    return row


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(rows: list[Row], device: str) -> str:
    header = ("case", "placement", "budget GB", "expected", "measured", "est. peak GB", "peak GB", "load s", "note")
    cells = [
        (
            r.label,
            r.placement,
            fmt(r.budget_gb),
            r.expected,
            r.measured,
            fmt(r.expected_peak_gb),
            fmt(r.peak_gb),
            fmt(r.load_s),
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    lines = [f"## benchmarks/gpu.py on {device}", ""]
    for i, row in enumerate([header, *cells]):
        lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    lines.append(f"\nprocess peak RSS {rss:.1f} GB; peak GB is torch.cuda.max_memory_allocated (GPU only)")
    return "\n".join(lines)


def device_line() -> str:
    import torch

    from studio.core.devices import measure_profile

    device = "cuda" if cuda() else "cpu"
    p = measure_profile(device)
    name = torch.cuda.get_device_name(0) if device == "cuda" else "CPU"
    return (
        f"{name}: matmul {p.flops / 1e12:.2f} TFLOP/s, device memory {p.memory_bandwidth / 1e9:.0f} GB/s, "
        f"host->device pinned {p.pinned_h2d / 1e9:.1f} GB/s, pageable {p.pageable_h2d / 1e9:.1f} GB/s"
    )


async def main_async(args: argparse.Namespace) -> list[Row]:
    size = "tiny" if args.tiny or not cuda() else "full"
    skipped = SLOW | (GPU_ONLY if size == "tiny" else set())
    wanted = args.cases.split(",") if args.cases else [c.name for c in CASES if c.name not in skipped]
    unknown = set(wanted) - {c.name for c in CASES}
    if unknown:
        raise SystemExit(f"unknown case(s) {', '.join(sorted(unknown))}; see --list")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="studio-gpu-bench-") as tmp:
        for case in (c for c in CASES if c.name in wanted):
            started = time.perf_counter()
            try:
                if case.kind == "image":
                    row = await run_image(case, size, args.steps, args.repeats, Path(tmp) / case.name)
                else:
                    row = await run_music(case, size, args.music_seconds if size == "full" else 2.0, Path(tmp))
            except Exception as error:  # noqa: BLE001 - one failing case must not hide the others' numbers
                row = Row(case.name, case.label, note=f"failed: {type(error).__name__}: {str(error)[:160]}")
            rows.append(row)
            print(json.dumps({**asdict(row), "wall_s": round(time.perf_counter() - started, 1)}), flush=True)
            reset_peak()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="tiny models even on a GPU")
    parser.add_argument("--cases", default="", help="comma-separated case names (default: all but sequential)")
    parser.add_argument("--steps", type=int, default=None, help="denoising steps (default: the model's own, 28)")
    parser.add_argument("--repeats", type=int, default=1, help="timed images per case, after one untimed")
    parser.add_argument("--music-seconds", type=float, default=10.0, help="length of the timed music clip")
    parser.add_argument("--out", type=Path, default=None, help="also write the table (markdown) here")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args()
    if args.list:
        for case in CASES:
            named = case.name in SLOW or case.name in GPU_ONLY
            print(f"{case.name:24} {case.label}{'  (only when named, or GPU-only)' if named else ''}")
        return
    print(device_line(), flush=True)
    rows = asyncio.run(main_async(args))
    text = f"{device_line()}\n\n{table(rows, 'cuda' if cuda() and not args.tiny else 'cpu (tiny models)')}"
    print("\n" + text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
