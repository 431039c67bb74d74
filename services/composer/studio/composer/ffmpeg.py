"""Running ffmpeg: progress from `-progress pipe:1`, cancellation, and errors that say what failed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from studio.core.errors import Cancelled, StudioError
from studio.core.media import MEDIA, input_args, require

log = logging.getLogger(__name__)

#: Bytes of ffmpeg's log kept for error messages and the ebur128 summary (which comes last).
STDERR_KEEP = 256 * 1024

ProgressCallback = Callable[[float], Awaitable[None]]


def user_input(path: Path, *options: str) -> list[str]:
    """`-i path` for a user's (already probed) file: its own demuxer forced, local files only (studio.core.media)."""
    return input_args(path, require(path, MEDIA, str(path.name)), *options)


async def together(*steps: Awaitable[Any]) -> list[Any]:
    """Run steps side by side; the first failure cancels the rest (killing their ffmpeg) and is raised as is."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class RenderError(StudioError):
    """ffmpeg failed on inputs that had passed probing: a bug or a resource problem, not the user's input."""


async def _drain(stream: asyncio.StreamReader, sink: bytearray) -> None:
    while chunk := await stream.read(65536):
        sink.extend(chunk)
        if len(sink) > STDERR_KEEP:
            del sink[: len(sink) - STDERR_KEEP]


async def run_ffmpeg(
    binary: str,
    args: Sequence[str],
    *,
    cwd: Path,
    duration: float = 0.0,
    on_progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] = lambda: False,
    what: str = "render",
) -> str:
    """Run ffmpeg to completion and return its log; progress is reported as a 0..1 fraction of `duration`."""
    command = [binary, "-hide_banner", "-nostdin", "-nostats", "-y", "-progress", "pipe:1", *args]
    log.debug("ffmpeg %s: %s", what, " ".join(command))
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    stderr = bytearray()
    drain = asyncio.create_task(_drain(process.stderr, stderr))
    try:
        while line := await process.stdout.readline():
            if is_cancelled():
                raise Cancelled(f"{what} was cancelled")
            key, _, value = line.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and duration > 0 and on_progress is not None and value.lstrip("-").isdigit():
                await on_progress(min(1.0, max(0.0, int(value) / 1e6 / duration)))
        code = await process.wait()
        await drain
    finally:
        if process.returncode is None:
            process.kill()
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
        if not drain.done():
            drain.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drain
    text = stderr.decode(errors="replace")
    if code != 0:
        tail = " | ".join(line for line in text.strip().splitlines()[-6:])
        raise RenderError(f"ffmpeg {what} failed (exit {code}): {tail}")
    return text
