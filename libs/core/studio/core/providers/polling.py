"""Waiting on a provider's job: status polls become progress, and timeouts and cancels reach the provider.

A wait is a coroutine sleeping between polls: it holds no thread and never blocks
the event loop, so one replica can wait on many provider jobs at once.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from studio.core.errors import Cancelled, ProviderFailed, StudioError
from studio.core.operations import OperationContext
from studio.core.providers.catalog import ProviderInfo
from studio.core.providers.secrets import redact
from studio.core.providers.settings import ProviderSettings

log = logging.getLogger(__name__)

State = Literal["queued", "running", "done", "failed", "cancelled"]
#: Longest a cancel request at the provider may take when a job is abandoned.
CANCEL_SECONDS = 10.0


@dataclass(frozen=True)
class Status:
    """One poll's answer, in the studio's words."""

    state: State
    #: Position in the provider's queue (0 = next), when it says.
    position: int | None = None
    #: The provider's own progress 0..1, when it reports one.
    fraction: float | None = None
    #: For "failed": the error to raise (the provider's convention classifies it).
    failure: StudioError | None = None


@dataclass(frozen=True)
class Span:
    """The part of the operation's progress bar the wait fills, and how long the job usually takes."""

    start: float = 0.1
    end: float = 0.85
    expected_seconds: float = 30.0


async def wait_for(
    info: ProviderInfo,
    poll: Callable[[], Awaitable[Status]],
    ctx: OperationContext,
    settings: ProviderSettings,
    *,
    cancel: Callable[[], Awaitable[None]] | None = None,
    span: Span | None = None,
) -> Status:
    """Poll until the job is done; raise its failure, Cancelled, or ProviderFailed on timeout.

    On timeout, on the run being cancelled, and on this coroutine being cancelled (a job
    handed back, a client gone), `cancel` is sent to the provider before giving up.
    """
    span = span or Span()
    loop = asyncio.get_running_loop()
    started = loop.time()
    interval = settings.provider_poll_seconds
    previous: tuple[State, int | None] | None = None
    try:
        async with asyncio.timeout(settings.provider_timeout):
            while True:
                if ctx.is_cancelled():
                    await _cancel(info, cancel)
                    raise Cancelled(f"run {ctx.run_id} was cancelled; the {info.title} job was cancelled too")
                status = await poll()
                await _report(
                    info, status, ctx, span, loop.time() - started, force=(status.state, status.position) != previous
                )
                previous = (status.state, status.position)
                if status.state == "done":
                    return status
                if status.state == "failed":
                    raise status.failure or ProviderFailed(f"{info.title} failed the job")
                if status.state == "cancelled":
                    raise ProviderFailed(f"{info.title} cancelled the job on its side")
                await asyncio.sleep(interval)
                interval = min(interval * 1.5, settings.provider_poll_max_seconds)
    except TimeoutError:
        await _cancel(info, cancel)
        raise ProviderFailed(
            f"{info.title} did not finish within {settings.provider_timeout:g} s (STUDIO_PROVIDER_TIMEOUT); "
            "the job was cancelled"
        ) from None
    except asyncio.CancelledError:
        await _cancel(info, cancel)
        raise


async def _report(
    info: ProviderInfo, status: Status, ctx: OperationContext, span: Span, elapsed: float, *, force: bool
) -> None:
    """Progress for one poll; a change of state or queue position is always reported (throttling drops only repeats)."""
    width = span.end - span.start
    if status.state == "queued":
        where = f"position {status.position} in " if status.position is not None else ""
        await ctx.progress(span.start, "queued", f"{where}{info.title}'s queue", force=force)
    elif status.state == "running":
        if status.fraction is not None:
            fraction = max(0.0, min(1.0, status.fraction))
        else:  # no progress from the provider: creep towards the end as the usual duration passes
            fraction = 1.0 - math.exp(-elapsed / max(1.0, span.expected_seconds))
        await ctx.progress(span.start + width * 0.95 * fraction, "generating", f"at {info.title}", force=force)
    elif status.state == "done":
        await ctx.progress(span.end, "fetching", f"from {info.title}", force=True)


async def _cancel(info: ProviderInfo, cancel: Callable[[], Awaitable[None]] | None) -> None:
    if cancel is None:
        return
    try:
        await asyncio.wait_for(asyncio.shield(cancel()), CANCEL_SECONDS)
    except (StudioError, TimeoutError, OSError) as error:
        log.warning("could not cancel the %s job: %s", info.title, redact(str(error)))
