"""A film's output files on this machine (OUT.mp4 with .srt, .vtt and a poster beside it) and the
container its name asks for; shared by embedded rendering and the REST SDK, so it imports no transport."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import InvalidInput
from studio.pipeline.screenplay import Screenplay
from studio.v1.composer_pb2 import ComposeResult

FORMATS = {".mp4": "mp4", ".webm": "webm"}


@dataclass(frozen=True)
class FilmFiles:
    """Where a rendered film and its sidecars go: OUT, OUT.srt, OUT.vtt, OUT.png (poster)."""

    video: Path
    srt: Path
    vtt: Path
    poster: Path

    @classmethod
    def beside(cls, out: Path) -> FilmFiles:
        out = Path(out)
        return cls(out, out.with_suffix(".srt"), out.with_suffix(".vtt"), out.with_suffix(".png"))


@dataclass(frozen=True)
class RenderedFilm:
    files: FilmFiles
    result: ComposeResult


def output_format(out: Path) -> str:
    """The container an output path asks for; InvalidInput for other suffixes or an unusable folder."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput(f"{out}: the output must end in {' or '.join(FORMATS)}")
    parent = Path(out).resolve().parent
    if parent.exists() and not parent.is_dir():
        raise InvalidInput(f"{out}: {parent} is not a folder")
    return FORMATS[suffix]


def for_output(screenplay: Screenplay, out: Path) -> Screenplay:
    """The screenplay with its container set by the output's suffix (out.webm renders WebM)."""
    fmt = output_format(out)
    if screenplay.output.format == fmt:
        return screenplay
    output = screenplay.output.model_copy(update={"format": fmt})
    return screenplay.model_copy(update={"output": output}).with_base_dir(screenplay.base_dir)
