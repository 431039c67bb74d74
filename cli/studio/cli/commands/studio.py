"""`studio render` (a film from a screenplay or a briefing), and the gateway commands `jobs` and `voices clone`.

Without --server everything runs in this process (embedded mode); with it the
same work goes through a gateway via the Python SDK.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from studio.cli.errors import fail, reported_errors, run_async
from studio.cli.state import CliState, cli_state

if TYPE_CHECKING:
    from studio.pipeline.estimate import Estimate
    from studio.pipeline.events import ProductionEvent
    from studio.pipeline.screenplay import Screenplay
    from studio.sdk import StudioClient

# The pipeline is imported when a command runs: images with only a model server and the CLI still start.
try:
    from studio.pipeline.director.briefing import DEFAULT_STYLE
except ModuleNotFoundError:  # pragma: no cover - studio-pipeline not installed
    DEFAULT_STYLE = ""

console = Console(stderr=True)


class StepBoard:
    """One progress bar per production step, fed by production events (local or from a gateway)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, event: ProductionEvent) -> None:
        if event.kind == "planned":
            for step in event.steps:
                self.tasks[step.id] = self.progress.add_task(step.label, total=1.0, stage="waiting", start=False)
            return
        if event.step is None or event.step.id not in self.tasks:
            return
        task = self.tasks[event.step.id]
        if event.kind == "started":
            self.progress.start_task(task)
            self.progress.update(task, stage="running")
        elif event.kind == "progress":
            self.progress.update(task, completed=event.fraction, stage=event.stage or "running")
        elif event.kind == "finished":
            self.progress.start_task(task)
            self.progress.update(task, completed=1.0, stage="[green]done")
        elif event.kind == "failed":
            self.progress.update(task, stage=f"[red]failed: {event.error[:60]}")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<34}"),
        BarColumn(bar_width=24),
        TextColumn("{task.fields[stage]}"),
        TimeElapsedColumn(),
        console=console,
    )


async def _screenplay(source: Path | None, briefing: str, duration: float, style: str, language: str) -> Screenplay:
    if (source is None) == (not briefing):
        fail("give a screenplay file or --briefing TEXT (one of the two)", 2)
    from studio.pipeline.director import Briefing
    from studio.pipeline.screenplay import load_screenplay

    if source is not None:
        return load_screenplay(source)
    from studio.core.settings import load_settings
    from studio.pipeline.director import DirectorSettings, write_screenplay

    settings = load_settings(DirectorSettings)
    console.print(
        f"director: {settings.backend}" + (f" ({settings.model_name()})" if settings.backend != "offline" else "")
    )
    return await write_screenplay(Briefing(briefing, duration=duration, style=style, language=language), settings)


def _save_screenplay(screenplay: Screenplay, output: Path) -> Path:
    import yaml

    path = output.with_name(f"{output.stem}.screenplay.yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(screenplay.to_data(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def backend_choices(values: list[str]) -> dict[str, str]:
    """`--backend image=fal --backend speech=elevenlabs` as {"image": "fal", "speech": "elevenlabs"}."""
    choices: dict[str, str] = {}
    for value in values:
        kind, sep, name = value.partition("=")
        if not sep or not kind.strip() or not name.strip():
            fail(f"--backend {value!r}: give KIND=NAME, e.g. image=fal, speech=elevenlabs, animation=kling", 2)
        choices[kind.strip()] = name.strip()
    return choices


def print_estimate(estimate: Estimate) -> None:
    table = Table("step", "service", "backend", "quantity", "cost", "basis")
    for step in estimate.steps:
        quantity = ", ".join(f"{item.quantity:g} {item.unit}" for item in step.cost.items) or "-"
        backend = step.backend or ("-" if step.service == "composer" else "default")
        table.add_row(step.label, step.service, backend, quantity, f"${step.cost.usd:.4f}", step.cost.basis)
    table.add_section()
    table.add_row("total", "", "", "", f"${estimate.usd:.4f}", estimate.cost.basis)
    Console(width=max(120, Console().width)).print(table)


async def _render(state: CliState, source: Path | None, output: Path, briefing: str, duration: float, style: str,
                  language: str, work_dir: Path | None, workers: int | None, backends: list[str],
                  estimate_only: bool) -> None:  # fmt: skip
    try:
        from studio.pipeline.film import output_format
        from studio.pipeline.screenplay import with_backends
    except ModuleNotFoundError:
        fail("`studio render` needs the studio pipeline: pip install ./libs/pipeline", 2)
    choices = backend_choices(backends)
    if not estimate_only:
        output_format(output)  # refuse a bad output path before any work
    screenplay = with_backends(await _screenplay(source, briefing, duration, style, language), choices)
    if estimate_only:
        if state.server:  # the studio there prices it, with its deployment's backends and prices
            from studio.sdk.client import AsyncStudioClient

            async with AsyncStudioClient(state.server, state.key) as client:
                print_estimate(await client.estimate(screenplay.to_data()))
            return
        from studio.pipeline.estimate import estimate_embedded

        print_estimate(estimate_embedded(screenplay))
        return
    if briefing:
        console.print(f"screenplay: {_save_screenplay(screenplay, output)}")
    started = time.perf_counter()
    with _progress() as progress:
        board = StepBoard(progress)
        if state.server:
            from studio.sdk.render import render_remote

            outcome = await render_remote(state.server, state.key, screenplay, output, on_event=board)
            files, duration_s = outcome.files, outcome.duration_seconds
        else:
            from studio.pipeline.render import render_embedded

            film = await render_embedded(screenplay, output, on_event=board, work_dir=work_dir, workers=workers)
            files, duration_s = film.files, film.result.duration_seconds
    elapsed = time.perf_counter() - started
    console.print(f"rendered {duration_s:.2f} s of film in {elapsed:.1f} s")
    for path in (files.video, files.srt, files.vtt, files.poster):
        if path.exists():
            print(path)


def render(
    ctx: typer.Context,
    screenplay: Annotated[Path | None, typer.Argument(help="Screenplay (.yaml/.json)", show_default=False)] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Film to write (.mp4 or .webm)")] = Path("film.mp4"),
    briefing: Annotated[str, typer.Option(help="Write the screenplay from this briefing first")] = "",
    duration: Annotated[float, typer.Option(help="Film length for --briefing, seconds")] = 30.0,
    style: Annotated[str, typer.Option(help="Visual style for --briefing")] = DEFAULT_STYLE,
    language: Annotated[str, typer.Option(help="Narration language for --briefing (default: guessed)")] = "",
    work_dir: Annotated[
        Path | None, typer.Option(help="Keep intermediate files here; rerunning resumes an interrupted render")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=0, max=64, help="Local worker processes (default: one per CPU, up to 4; 0 = this process)"),
    ] = None,
    backend: Annotated[
        list[str] | None,
        typer.Option(
            "--backend",
            help="KIND=NAME, repeatable: overrides the screenplay's `backends:` "
            "(image=fal, speech=elevenlabs, animation=kling, music=replicate)",
        ),
    ] = None,
    estimate: Annotated[
        bool, typer.Option("--estimate", help="Print what the render would cost, per step and in total; render nothing")
    ] = False,
) -> None:
    """Render a film: OUT plus OUT.srt, OUT.vtt and OUT.png (poster) beside it."""
    state = cli_state(ctx)
    run_async(
        _render(state, screenplay, output, briefing, duration, style, language, work_dir, workers, backend or [],
                estimate)
    )  # fmt: skip


def _remote(state: CliState) -> StudioClient:
    if not state.server:
        fail("this command talks to a gateway: give --server URL --key KEY (or STUDIO_SERVER / STUDIO_API_KEY)", 2)
    from studio.sdk import StudioClient

    return StudioClient(state.server, state.key)


def jobs(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="queued, running, completed, failed, cancelled")] = "",
    job_type: Annotated[str, typer.Option("--type", help="e.g. audio.synthesize")] = "",
    project: Annotated[str, typer.Option(help="Only this project's jobs")] = "",
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
) -> None:
    """List your jobs on the gateway, newest first."""
    with reported_errors(), _remote(cli_state(ctx)) as client:
        page = client.list_jobs(status=status or None, type=job_type or None, project_id=project or None, limit=limit)
    table = Table("id", "type", "status", "progress", "step", "created")
    for job in page:
        table.add_row(
            job.id,
            job.type,
            job.status,
            f"{job.progress:.0%}",
            job.step_id or "",
            f"{job.created_at:%Y-%m-%d %H:%M:%S}" if job.created_at else "",
        )
    Console().print(table)


def voices_clone(
    ctx: typer.Context,
    sample: Annotated[Path, typer.Argument(help="A recording of the voice (15 s or more clones best)")],
    name: Annotated[str, typer.Option(help="A name for the voice")],
    language: Annotated[str, typer.Option(help="Language of the sample, e.g. pt-br")] = "",
) -> None:
    """Register a voice on the gateway from a sample; prints its id."""
    with reported_errors(), _remote(cli_state(ctx)) as client:
        voice = client.clone_voice(sample, name=name, language=language, wait=True)
    print(voice.id)
    console.print(f"voice {voice.name!r}: {voice.status}")


def register(app: typer.Typer) -> None:
    app.command()(render)
    app.command()(jobs)
    voices = typer.Typer(help="Voices registered on a gateway.", no_args_is_help=True)
    voices.command("clone")(voices_clone)
    app.add_typer(voices, name="voices")
