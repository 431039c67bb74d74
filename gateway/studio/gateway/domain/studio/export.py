"""A project's current version as one zip, streamed as it is written: the film, its subtitles and poster,
each scene's still and narration, the music and the screenplay.

Stored media are already compressed, so they go in as they are (ZIP_STORED); the text files are
deflated. The zip is written to a sink the response drains after every piece, so the gateway never
holds more than one chunk of it.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

import yaml

from studio.core.errors import FailedPrecondition
from studio.gateway.context import Gateway
from studio.gateway.production.executor import step_job_id
from studio.gateway.production.views import step_scene

_TIMESTAMP = re.compile(r"(\d{2}:\d{2}:\d{2}),(\d{3})")


@dataclass(frozen=True)
class Entry:
    name: str
    #: An asset row whose stored bytes are the entry, or text written as it is.
    asset: Any = None
    text: str | None = None


@dataclass(frozen=True)
class ProjectZip:
    filename: str
    entries: list[Entry]


def srt_to_vtt(srt: str) -> str:
    """WebVTT from SubRip: a header, and dots for the milliseconds' commas."""
    return "WEBVTT\n\n" + _TIMESTAMP.sub(r"\1.\2", srt.replace("\r\n", "\n").strip()) + "\n"


def zip_filename(name: str) -> str:
    """The project's name as a file name: letters, digits, spaces, dots, dashes and underscores."""
    safe = re.sub(r"[^\w .-]+", "-", name, flags=re.UNICODE).strip(" .-") or "project"
    return f"{safe[:120]}.zip"


def _first(rows: list[Any], kind: str) -> Any:
    return next((row for row in rows if row["type"] == kind), None)


async def project_zip(gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID) -> ProjectZip:
    """What goes in the zip; FailedPrecondition while the project has no finished film."""
    project = await gateway.projects.get(owner_id, project_id)
    if project["version"] == 0:
        raise FailedPrecondition(f"project {project_id} has no finished film yet; export it once it is produced")
    version = await gateway.projects.version(owner_id, project_id, project["version"])
    steps = {step["name"]: step for step in version["steps"] or []}
    jobs = {name: step_job_id(project_id, step["id"]) for name, step in steps.items()}
    outputs = await gateway.assets.of_jobs(list(jobs.values()))
    final = {row["role"]: row for row in outputs[jobs["compose"]]} if "compose" in jobs else {}
    if "video" not in final:
        raise FailedPrecondition(f"project {project_id}'s film is missing; produce it again")
    entries = [Entry("film.mp4", final["video"])]
    if "srt" in final:
        entries.append(Entry("film.srt", final["srt"]))
    if "vtt" in final:
        entries.append(Entry("film.vtt", final["vtt"]))
    elif "srt" in final:
        srt = (await gateway.artifacts.get_bytes(final["srt"]["key"])).decode("utf-8", errors="replace")
        entries.append(Entry("film.vtt", text=srt_to_vtt(srt)))
    if "poster" in final:
        entries.append(Entry("poster" + (PurePosixPath(final["poster"]["key"]).suffix or ".png"), final["poster"]))
    for name, job_id in sorted(jobs.items()):
        scene, kind = step_scene(name), name.partition(":")[0]
        if scene is not None and kind == "frame" and (still := _first(outputs[job_id], "image")) is not None:
            entries.append(Entry(f"stills/scene-{scene:02d}.png", still))
        elif scene is not None and kind == "narration" and (speech := _first(outputs[job_id], "audio")) is not None:
            entries.append(Entry(f"narration/scene-{scene:02d}.wav", speech))
    if "music" in jobs and (music := _first(outputs[jobs["music"]], "audio")) is not None:
        entries.append(Entry("music.wav", music))
    if version["screenplay"] is not None:
        screenplay = yaml.safe_dump(version["screenplay"], allow_unicode=True, sort_keys=False)
        entries.append(Entry("screenplay.yaml", text=screenplay))
    return ProjectZip(zip_filename(project["name"]), entries)


class _Sink:
    """A write-only file zipfile writes to (it then uses data descriptors); drained after every write."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        parts, self.parts = self.parts, []
        yield from parts


async def stream_zip(gateway: Gateway, content: ProjectZip) -> AsyncIterator[bytes]:
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w")  # type: ignore[call-overload]  # a write-only stream is enough
    stamp = datetime.now().timetuple()[:6]
    for entry in content.entries:
        info = zipfile.ZipInfo(entry.name, date_time=stamp)
        if entry.text is not None:
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entry.text.encode())
        else:
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = entry.asset["size"]
            with archive.open(info, "w", force_zip64=entry.asset["size"] > 2**31) as member:
                async for chunk in gateway.artifacts.iter_bytes(entry.asset["key"]):
                    member.write(chunk)
                    for part in sink.drain():
                        yield part
        for part in sink.drain():
            yield part
    archive.close()
    for part in sink.drain():
        yield part
