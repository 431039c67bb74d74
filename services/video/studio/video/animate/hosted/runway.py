"""The `runway` image-to-video backend: Runway's gen4_turbo through the official `runwayml` SDK.

The SDK sends the required `X-Runway-Version` header. A task is PENDING or
THROTTLED (queued), RUNNING with a progress fraction, then SUCCEEDED with output
URLs that expire in 24-48 h, or FAILED with a `failureCode` (SAFETY.* = refused
content). Cancel deletes the task. Cost: the credits Runway reports, at $0.01.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runwayml import AsyncRunwayML

from studio.core.costs import priced
from studio.core.errors import ProviderFailed
from studio.core.operations import OperationContext
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.download import keep_result
from studio.core.providers.polling import Span, Status, wait_for
from studio.core.providers.secrets import resolve_key
from studio.core.providers.settings import ProviderSettings
from studio.core.providers.transport import (
    Answer,
    Failure,
    Kind,
    api_client,
    error_for,
    http_convention,
    provider_errors,
)
from studio.v1.common_pb2 import CostItem, ModelInfo
from studio.video.animate.hosted.clip import ClipJob, check_motion, nearest, shortest_covering, still_data_uri

RUNWAY = PROVIDERS["runway"]
MODEL = "gen4_turbo"
API_VERSION = "2024-11-06"
DURATIONS = (5, 10)
RATIOS = {"1280:720": 1280 / 720, "720:1280": 720 / 1280, "1104:832": 1104 / 832, "832:1104": 832 / 1104,
          "960:960": 1.0, "1584:672": 1584 / 672}  # fmt: skip
_STATES = {"PENDING": "queued", "THROTTLED": "queued", "RUNNING": "running", "SUCCEEDED": "done",
           "FAILED": "failed", "CANCELLED": "cancelled"}  # fmt: skip


def runway_convention(answer: Answer) -> Failure | None:
    """400s carry {"error": "..."}; moderation refusals say so in it."""
    failure = http_convention(answer)
    if failure is not None and failure.kind is Kind.INVALID and "moderation" in failure.detail.lower():
        return Failure(Kind.POLICY, failure.detail, failure.code)
    return failure


class RunwayBackend:
    name = "runway"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    def models(self) -> list[ModelInfo]:
        return [ModelInfo(name=MODEL, backend=self.name, task="image-to-video",
                          installed=bool(self.settings.key(RUNWAY)),
                          description="Runway Gen-4 Turbo image-to-video, 5 or 10 s clips; hosted")]  # fmt: skip

    def estimate(self, seconds: float) -> list[CostItem]:
        return [priced(f"runway:{MODEL}", shortest_covering(seconds, DURATIONS), "estimate", self.settings)]

    def describe(self, job: ClipJob) -> str:
        return f"Runway {MODEL} {shortest_covering(job.seconds, DURATIONS)} s: {job.motion or 'motion'}"

    async def clip(self, job: ClipJob, ctx: OperationContext, workdir: Path) -> Path:
        key = resolve_key(RUNWAY.name, RUNWAY.title, self.settings.key(RUNWAY), ctx.credentials, RUNWAY.key_variables())
        seconds = shortest_covering(job.seconds, DURATIONS)
        task: Any = None
        async with api_client(RUNWAY, self.settings, convention=runway_convention) as http, provider_errors(RUNWAY):
            client = AsyncRunwayML(
                api_key=key,
                base_url=str(http.base_url).rstrip("/"),
                http_client=http,
                max_retries=0,
                timeout=self.settings.provider_request_timeout,
                runway_version=API_VERSION,
            )
            created = await client.image_to_video.create(  # type: ignore[call-overload]
                model=MODEL,
                prompt_image=still_data_uri(job.image),
                ratio=nearest(RATIOS, *job.size),  # type: ignore[arg-type]
                prompt_text=check_motion(job.motion, 1000),
                duration=seconds,
                seed=job.seed % 4294967295,
            )

            async def poll() -> Status:
                nonlocal task
                task = await client.tasks.retrieve(created.id)
                state = _STATES.get(task.status, "running")
                if state == "failed":
                    code = str(getattr(task, "failure_code", "") or "")
                    kind = Kind.POLICY if code.startswith("SAFETY") else Kind.FAILED
                    return Status("failed", failure=error_for(RUNWAY, Failure(kind, str(task.failure), code)))
                return Status(state, fraction=getattr(task, "progress", None))  # type: ignore[arg-type]

            async def cancel() -> None:
                await client.tasks.delete(created.id)

            await wait_for(RUNWAY, poll, ctx, self.settings, cancel=cancel, span=Span(0.05, 0.8, 45.0))
        output = list(getattr(task, "output", None) or [])
        if not output:
            raise ProviderFailed("Runway reported success without an output URL")
        _, path = await keep_result(RUNWAY, str(output[0]), ctx, "clip.mp4", self.settings, workdir)
        credits = getattr(getattr(task, "cost", None), "credits", None)
        if isinstance(credits, int | float):
            ctx.costs.add(priced("runway:credit", float(credits), "provider", self.settings))
        else:
            for item in self.estimate(job.seconds):
                ctx.costs.add(item)
        return path
