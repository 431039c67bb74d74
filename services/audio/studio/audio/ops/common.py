"""Helpers shared by the operations: request validation and running backend work off the event loop."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from typing import TypeVar

from studio.audio.backends.base import ProgressCallback
from studio.audio.settings import SAMPLE_RATES
from studio.core.errors import Cancelled, InvalidInput
from studio.core.operations import OperationContext

T = TypeVar("T")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$")
POLL_SECONDS = 0.2


def check_sample_rate(rate: int, field: str = "sample_rate") -> int:
    if rate not in SAMPLE_RATES:
        accepted = ", ".join(str(r) for r in SAMPLE_RATES)
        raise InvalidInput(f"{field}: {rate} Hz is not accepted; use one of {accepted} (or 0 for the default)")
    return rate


def check_language(tag: str) -> str:
    tag = tag.strip()
    if tag and not _LANGUAGE.match(tag):
        raise InvalidInput(f"language: {tag[:40]!r} is not a language tag; use e.g. 'en', 'pt-br', 'es'")
    return tag.lower().replace("_", "-")


def check_finite(value: float, field: str) -> float:
    if not math.isfinite(value):
        raise InvalidInput(f"{field}: must be a finite number")
    return value


async def run_in_thread(
    ctx: OperationContext,
    work: Callable[[ProgressCallback], T],
    *,
    stage: str,
    start: float = 0.0,
    end: float = 1.0,
) -> T:
    """Run blocking `work(progress)` in a thread, relaying its progress and honouring cancellation.

    The backend's progress callback raises Cancelled once the run is cancelled, which
    stops model loops (MusicGen's streamer, the synth's bar loop) at their next step.
    """
    state = {"fraction": 0.0, "cancelled": False}

    def progress(fraction: float) -> None:
        if state["cancelled"]:
            raise Cancelled(f"run {ctx.run_id} was cancelled")
        state["fraction"] = fraction

    task = asyncio.ensure_future(asyncio.to_thread(work, progress))
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=POLL_SECONDS)
            if done:
                return task.result()
            if ctx.is_cancelled():
                state["cancelled"] = True
            await ctx.progress(start + (end - start) * float(state["fraction"]), stage)
    except asyncio.CancelledError:
        state["cancelled"] = True
        raise
