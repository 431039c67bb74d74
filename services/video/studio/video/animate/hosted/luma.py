"""The `luma` image-to-video backend: Luma Dream Machine ray-2 through the official `lumaai` SDK.

Luma reads the still from a URL (its API takes no inline images), so the still's
artifact must be reachable by Luma: an S3 store with a public https endpoint
(STUDIO_S3_PUBLIC_ENDPOINT) hands it a presigned link. A generation is queued,
dreaming, then completed with `assets.video` or failed with `failure_reason`.
Cancel deletes the generation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from lumaai import AsyncLumaAI

from studio.core.costs import priced
from studio.core.errors import FailedPrecondition, ProviderFailed
from studio.core.operations import OperationContext
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.download import keep_result
from studio.core.providers.polling import Span, Status, wait_for
from studio.core.providers.secrets import resolve_key
from studio.core.providers.settings import LOOPBACK_HOSTS, ProviderSettings
from studio.core.providers.transport import Failure, Kind, api_client, error_for, provider_errors
from studio.v1.common_pb2 import CostItem, ModelInfo
from studio.video.animate.hosted.clip import ClipJob, check_motion, nearest, shortest_covering

LUMA = PROVIDERS["luma"]
MODEL: Literal["ray-2"] = "ray-2"
DURATIONS = (5, 9)
RATIOS = {"1:1": 1.0, "16:9": 16 / 9, "9:16": 9 / 16, "4:3": 4 / 3, "3:4": 3 / 4, "21:9": 21 / 9, "9:21": 9 / 21}
_STATES = {"queued": "queued", "dreaming": "running", "completed": "done", "failed": "failed"}
_POLICY_WORDS = ("moderation", "policy", "inappropriate", "blocked")


class LumaBackend:
    name = "luma"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    def models(self) -> list[ModelInfo]:
        return [ModelInfo(name=MODEL, backend=self.name, task="image-to-video",
                          installed=bool(self.settings.key(LUMA)),
                          description="Luma Dream Machine Ray 2 image-to-video, 5 or 9 s clips; hosted; "
                          "needs the S3 store with a public endpoint")]  # fmt: skip

    def estimate(self, seconds: float) -> list[CostItem]:
        return [priced(f"luma:{MODEL}", shortest_covering(seconds, DURATIONS), "estimate", self.settings)]

    def describe(self, job: ClipJob) -> str:
        return f"Luma {MODEL} {shortest_covering(job.seconds, DURATIONS)} s: {job.motion or 'motion'}"

    async def _still_url(self, job: ClipJob, ctx: OperationContext) -> str:
        url = await ctx.artifacts.presigned_get_url(job.image_ref.key, 3600)
        parts = urlsplit(url)
        loopback = self.settings.provider_allow_loopback_for_tests and parts.hostname in LOOPBACK_HOSTS
        if parts.scheme != "https" and not loopback:
            raise FailedPrecondition(
                "Luma fetches the still from a URL, and this artifact store gives none it can reach; "
                "use STUDIO_ARTIFACTS=s3 with a public https STUDIO_S3_PUBLIC_ENDPOINT, or another backend"
            )
        return url

    async def clip(self, job: ClipJob, ctx: OperationContext, workdir: Path) -> Path:
        key = resolve_key(LUMA.name, LUMA.title, self.settings.key(LUMA), ctx.credentials, LUMA.key_variables())
        seconds = shortest_covering(job.seconds, DURATIONS)
        still = await self._still_url(job, ctx)
        generation: Any = None
        async with api_client(LUMA, self.settings) as http, provider_errors(LUMA):
            client = AsyncLumaAI(auth_token=key, base_url=str(http.base_url).rstrip("/"), http_client=http,
                                 max_retries=0, timeout=self.settings.provider_request_timeout)  # fmt: skip
            created = await client.generations.video.create(
                model=MODEL,
                prompt=check_motion(job.motion, 5000),
                keyframes={"frame0": {"type": "image", "url": still}},
                duration=f"{seconds}s",
                resolution="720p",
                aspect_ratio=nearest(RATIOS, *job.size),  # type: ignore[arg-type]
            )
            generation_id = str(created.id)

            async def poll() -> Status:
                nonlocal generation
                generation = await client.generations.get(generation_id)
                state = _STATES.get(str(generation.state), "running")
                if state == "failed":
                    reason = str(generation.failure_reason or "the generation failed")
                    kind = Kind.POLICY if any(w in reason.lower() for w in _POLICY_WORDS) else Kind.FAILED
                    return Status("failed", failure=error_for(LUMA, Failure(kind, reason, "failed")))
                return Status(state)  # type: ignore[arg-type]

            async def cancel() -> None:
                await client.generations.delete(generation_id)

            await wait_for(LUMA, poll, ctx, self.settings, cancel=cancel, span=Span(0.05, 0.8, 90.0))
        video = getattr(getattr(generation, "assets", None), "video", None)
        if not video:
            raise ProviderFailed("Luma reported completion without a video URL")
        _, path = await keep_result(LUMA, str(video), ctx, "clip.mp4", self.settings, workdir)
        for item in self.estimate(job.seconds):
            ctx.costs.add(item)
        return path
