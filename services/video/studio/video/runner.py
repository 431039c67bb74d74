"""Running a frame generator into an encoder off the event loop, with progress and cancellation."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import numpy as np

from studio.core.errors import Cancelled
from studio.core.operations import OperationContext
from studio.video.media.encoder import VideoEncoder


class _State:
    """Shared between the event loop (reads `done`, sets `cancel`) and the render thread."""

    def __init__(self, cancel: threading.Event | None = None) -> None:
        self.done = 0
        self.cancel = cancel or threading.Event()


def _pump(frames: Iterator[np.ndarray], encoder: VideoEncoder, total: int, state: _State) -> int:
    with encoder:
        for frame in frames:
            if state.cancel.is_set():
                raise Cancelled("cancelled while rendering")
            encoder.write(frame)
            state.done += 1
            if state.done > total:
                raise RuntimeError(f"backend produced more than the {total} frames asked for")
    if state.done != total:
        raise RuntimeError(f"backend produced {state.done} frames, {total} were asked for")
    return state.done


async def encode_frames(
    frames: Iterator[np.ndarray],
    encoder: VideoEncoder,
    total: int,
    ctx: OperationContext,
    *,
    start: float = 0.1,
    end: float = 0.95,
    cancel: threading.Event | None = None,
) -> int:
    """Render and encode in a worker thread; report progress from `start` to `end`; honour cancellation.

    `cancel` is set when the run is cancelled; a backend that holds it can stop mid-frame too.
    """
    state = _State(cancel)
    task = asyncio.ensure_future(asyncio.to_thread(_pump, frames, encoder, total, state))
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=0.25)
            if ctx.is_cancelled():
                state.cancel.set()
            await ctx.progress(
                start + (end - start) * state.done / max(total, 1), "rendering", f"{state.done}/{total} frames"
            )
        return task.result()
    except BaseException:
        state.cancel.set()  # an abandoned call (e.g. the client went away) stops the thread too
        raise
