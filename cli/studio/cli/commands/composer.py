"""`studio compose TIMELINE -o out/film.mp4`: render a timeline file into a film, subtitles and a poster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from studio.cli.errors import fail, run_async
from studio.cli.state import cli_state
from studio.core.errors import InvalidInput
from studio.v1 import composer_pb2 as pb
from studio.v1.common_pb2 import ArtifactRef

_FORMATS = {".mp4": pb.CONTAINER_FORMAT_MP4, ".webm": pb.CONTAINER_FORMAT_WEBM}


def _check_format(timeline: pb.Timeline, output: Path) -> None:
    """The output name's suffix picks the container unless the timeline names one; they must agree."""
    wanted = _FORMATS.get(output.suffix.lower())
    if wanted is None:
        raise InvalidInput(f"-o {output}: the output name must end in .mp4 or .webm")
    if timeline.output.format == pb.CONTAINER_FORMAT_UNSPECIFIED:
        timeline.output.format = wanted
    elif timeline.output.format != wanted:
        named = pb.ContainerFormat.Name(timeline.output.format).removeprefix("CONTAINER_FORMAT_").lower()
        raise InvalidInput(f"-o {output}: the timeline asks for {named}; name the output .{named}")


async def _compose(path: Path, output: Path, burn: bool | None) -> pb.ComposeResult:
    from studio.cli.embedded import embedded

    async with embedded("composer") as session:  # a clear error when the composer is not installed here
        from studio.composer.timeline_file import load_timeline

        uploaded: list[ArtifactRef] = []

        async def upload(local: Path) -> ArtifactRef:
            ref = await session.upload(local)
            uploaded.append(ref)
            return ref

        try:
            timeline = await load_timeline(path, upload)
            _check_format(timeline, output)
            if burn is not None:
                timeline.output.burn_subtitles = burn
            result: pb.ComposeResult = await session.call("Compose", pb.ComposeRequest(timeline=timeline), "composing")
            # Sidecars first, the film last: each appears complete or not at all.
            await session.save(result.srt, output.with_suffix(".srt"))
            await session.save(result.vtt, output.with_suffix(".vtt"))
            await session.save(result.poster, output.with_suffix(".png"))
            await session.save(result.video, output)
        finally:
            for ref in uploaded:  # copies of the user's files, only needed for this run
                await session.store.delete(ref.key)
        return result


def compose(
    ctx: typer.Context,
    timeline: Annotated[Path, typer.Argument(help="Timeline file (YAML or JSON, see docs/composer.md)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Film to write (.mp4 or .webm)")] = Path(
        "out/film.mp4"
    ),
    burn_subtitles: Annotated[
        bool | None,
        typer.Option("--burn-subtitles/--no-burn-subtitles", help="Override the timeline's burn_subtitles"),
    ] = None,
) -> None:
    """Compose a film from a timeline; writes FILM, FILM.srt, FILM.vtt and FILM.png (poster)."""
    if cli_state(ctx).server:
        fail("compose runs embedded (in this process); unset --server / STUDIO_SERVER to use it", 2)
    result = run_async(_compose(timeline, output, burn_subtitles))
    typer.echo(
        f"{output}  {result.duration_seconds:.3f} s  {result.width}x{result.height} @ {result.fps:g} fps  "
        f"{result.integrated_lufs:.1f} LUFS  {result.true_peak_dbtp:.1f} dBTP  {result.cue_count} subtitle cues"
    )


def register(app: typer.Typer) -> None:
    app.command()(compose)
