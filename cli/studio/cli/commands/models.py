"""`studio models`: every service's model catalogue; `studio models download`: the only code that fetches weights.

Catalogues come from `studio.<service>.models.CATALOG` (a service without one
is skipped). Weights are fetched from the hub with huggingface_hub into
`$STUDIO_MODELS_DIR/<subdir>`, through a `.partial` folder renamed when
complete, so a broken download never looks installed. Services only ever read
that directory.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Annotated

import typer

from studio.cli.errors import fail, reported_errors
from studio.cli.placements import ModelPlanner
from studio.core.errors import InvalidInput, StudioError, Unavailable
from studio.core.models import ModelSpec
from studio.core.settings import StudioSettings, load_settings

SERVICES = ("audio", "image", "video")

models_app = typer.Typer(help="List the models each service can use; download them.", no_args_is_help=False)


def catalogues() -> list[tuple[str, ModelSpec]]:
    """(service, spec) for every service installed here that has a models module."""
    found: list[tuple[str, ModelSpec]] = []
    for service in SERVICES:
        module_name = f"studio.{service}.models"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and module_name.startswith(error.name):
                continue  # the service, or its models module, is not installed here
            raise
        catalog = getattr(module, "CATALOG", ())
        specs = catalog.values() if isinstance(catalog, dict) else catalog  # a name -> spec mapping works too
        found.extend((service, spec) for spec in specs if isinstance(spec, ModelSpec))
    return found


def _models_dir() -> Path:
    with reported_errors():
        return Path(load_settings(StudioSettings).models_dir)


@models_app.callback(invoke_without_command=True)
def list_models(
    ctx: typer.Context,
    vram: Annotated[
        float | None,
        typer.Option(
            "--vram", help="Plan for a GPU with this many GB (nominal speeds) instead of this machine's device"
        ),
    ] = None,
) -> None:
    """List every model: installed or missing, the memory it needs, and the placement residency would choose.

    PLACEMENT and S/IMAGE are residency's plan under the configured budget (STUDIO_MEMORY_FRACTION of the
    device, STUDIO_PLACEMENT): on this machine's GPU (measured speeds), or for a `--vram` card.
    """
    if ctx.invoked_subcommand is not None:
        return
    models_dir = _models_dir()
    with reported_errors():
        planner = ModelPlanner.for_device(vram)
    rows = []
    for service, spec in catalogues():
        placement, seconds = planner.describe(service, spec, models_dir)
        rows.append(
            (
                service,
                spec.name,
                spec.task,
                "installed" if spec.installed(models_dir) else "missing",
                f"{spec.vram_gb:.1f} GB" if spec.vram_gb else "cpu",
                placement,
                seconds,
                str(spec.path(models_dir)),
            )
        )
    header = ("SERVICE", "MODEL", "TASK", "STATUS", "VRAM", "PLACEMENT", "S/IMAGE", "PATH")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    typer.echo(f"\nplacements for {planner.device_line()}")
    typer.echo(f"models directory: {models_dir} (STUDIO_MODELS_DIR); fetch with `studio models download NAME`")


def _select(names: list[str], models_dir: Path) -> list[ModelSpec]:
    specs = {spec.name: spec for _, spec in catalogues()}
    unknown = [name for name in names if name not in specs]
    if unknown:
        raise InvalidInput(f"unknown model {', '.join(unknown)}; known: {', '.join(sorted(specs))}")
    if names:
        return [specs[name] for name in dict.fromkeys(names)]
    return [spec for spec in specs.values() if not spec.installed(models_dir)]


def _fetch(spec: ModelSpec, models_dir: Path) -> Path:
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError
    except ImportError:
        raise StudioError("downloading needs huggingface_hub: pip install huggingface_hub") from None
    dest = spec.path(models_dir)
    partial = dest.with_name(dest.name + ".partial")
    try:
        snapshot_download(
            repo_id=spec.repo_id,
            local_dir=str(partial),
            allow_patterns=list(spec.allow_patterns) or None,
        )
    except GatedRepoError:
        raise StudioError(
            f"{spec.name}: {spec.repo_id} is gated; accept its licence on huggingface.co and set HF_TOKEN"
        ) from None
    except RepositoryNotFoundError:
        raise StudioError(f"{spec.name}: repository {spec.repo_id} not found (or it needs HF_TOKEN)") from None
    except (HfHubHTTPError, OSError) as error:
        raise Unavailable(f"{spec.name}: download from {spec.repo_id} failed ({error}); run again to resume") from None
    if dest.exists():
        shutil.rmtree(dest)
    partial.rename(dest)
    return dest


@models_app.command("download")
def download(
    names: Annotated[list[str] | None, typer.Argument(help="Models to fetch (see `studio models`)")] = None,
    every: Annotated[bool, typer.Option("--all", help="Fetch every missing model (hundreds of GB)")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be fetched, fetch nothing")] = False,
) -> None:
    """Fetch model weights from the Hugging Face hub into $STUDIO_MODELS_DIR (resumable)."""
    models_dir = _models_dir()
    if not names and not every:
        fail("name the models to fetch (see `studio models`), or pass --all for every missing one", 2)
    with reported_errors():
        specs = _select(names or [], models_dir)
    if not specs:
        typer.echo("every catalogued model is already installed")
        return
    for spec in specs:
        if not spec.repo_id:  # published outside the hub (e.g. Wav2Lip): placed by hand
            by_hand = f"{spec.name} has no download source; put its weights in {spec.path(models_dir)} by hand"
            if names:
                fail(by_hand)
            typer.echo(f"skipped: {by_hand}", err=True)
            continue
        patterns = ", ".join(spec.allow_patterns) or "all files"
        if dry_run:
            typer.echo(f"{spec.name}: {spec.repo_id} -> {spec.path(models_dir)} ({patterns})")
            continue
        typer.echo(f"{spec.name}: fetching {spec.repo_id} ...", err=True)
        with reported_errors():
            dest = _fetch(spec, models_dir)
        if not spec.installed(models_dir):
            fail(f"{spec.name}: {dest} holds no recognisable weights after download; check {spec.repo_id}")
        typer.echo(f"{spec.name}: installed in {dest}")


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")
