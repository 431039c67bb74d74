"""The `minimax` image-to-video backend: MiniMax Hailuo over httpx (MiniMax publishes no video SDK).

Three calls: `POST /v1/video_generation` -> task_id, `GET /v1/query/video_generation`
until Success (-> file_id), `GET /v1/files/retrieve` -> download_url. MiniMax reports
most errors as HTTP 200 with a non-zero `base_resp.status_code` (1002 rate limit,
1004 auth, 1008 balance, 1026/1027 sensitive content, 2013 bad parameters). There is
no cancel endpoint: an abandoned task is left to finish.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.core.costs import priced
from studio.core.errors import ProviderFailed
from studio.core.operations import OperationContext
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.download import keep_result
from studio.core.providers.polling import Span, Status, wait_for
from studio.core.providers.secrets import resolve_key
from studio.core.providers.settings import ProviderSettings
from studio.core.providers.transport import Answer, Failure, Kind, api_client, detail_of, error_for, http_convention
from studio.v1.common_pb2 import CostItem, ModelInfo
from studio.video.animate.hosted.clip import ClipJob, check_motion, shortest_covering, still_data_uri

MINIMAX = PROVIDERS["minimax"]
MODEL = "MiniMax-Hailuo-02"
RESOLUTION = "768P"
DURATIONS = (6, 10)
_STATES = {"Preparing": "queued", "Queueing": "queued", "Processing": "running", "Success": "done", "Fail": "failed"}
_KINDS = {1002: Kind.RETRY, 1004: Kind.AUTH, 2038: Kind.AUTH, 1008: Kind.QUOTA, 1026: Kind.POLICY,
          1027: Kind.POLICY, 2013: Kind.INVALID}  # fmt: skip


def minimax_convention(answer: Answer) -> Failure | None:
    """HTTP errors as usual; a 200 is a failure when base_resp.status_code is not 0."""
    failure = http_convention(answer)
    if failure is not None:
        return failure
    body = answer.json()
    base = body.get("base_resp") if isinstance(body, dict) else None
    if not isinstance(base, dict):
        return Failure(Kind.FAILED, "an answer without base_resp", answer.status)
    code = base.get("status_code", 0)
    if code == 0:
        return None
    kind = _KINDS.get(int(code), Kind.FAILED)
    return Failure(
        kind, str(base.get("status_msg") or detail_of(body, answer.text)), 429 if kind is Kind.RETRY else code
    )


class MinimaxBackend:
    name = "minimax"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    def models(self) -> list[ModelInfo]:
        return [ModelInfo(name=MODEL, backend=self.name, task="image-to-video",
                          installed=bool(self.settings.key(MINIMAX)),
                          description=f"MiniMax Hailuo 02 image-to-video, {RESOLUTION}, 6 or 10 s clips")]  # fmt: skip

    def estimate(self, seconds: float) -> list[CostItem]:
        clip = shortest_covering(seconds, DURATIONS)
        return [priced(f"minimax:{MODEL}/{RESOLUTION}/{clip}s", 1, "estimate", self.settings)]

    def describe(self, job: ClipJob) -> str:
        return f"MiniMax {MODEL} {shortest_covering(job.seconds, DURATIONS)} s: {job.motion or 'motion'}"

    async def clip(self, job: ClipJob, ctx: OperationContext, workdir: Path) -> Path:
        key = resolve_key(MINIMAX.name, MINIMAX.title, self.settings.key(MINIMAX), ctx.credentials,
                          MINIMAX.key_variables())  # fmt: skip
        seconds = shortest_covering(job.seconds, DURATIONS)
        body = {
            "model": MODEL,
            "prompt": check_motion(job.motion, 2000),
            "first_frame_image": still_data_uri(job.image),
            "duration": seconds,
            "resolution": RESOLUTION,
            "prompt_optimizer": True,
        }
        headers = {"Authorization": f"Bearer {key}"}
        async with api_client(MINIMAX, self.settings, headers=headers, convention=minimax_convention) as http:
            task_id = str((await http.post("/v1/video_generation", json=body)).json().get("task_id") or "")
            if not task_id:
                raise ProviderFailed("MiniMax accepted the request but returned no task_id")
            task: dict[str, Any] = {}

            async def poll() -> Status:
                nonlocal task
                task = (await http.get("/v1/query/video_generation", params={"task_id": task_id})).json()
                state = _STATES.get(str(task.get("status")), "running")
                if state == "failed":
                    reason = str(task.get("error_message") or "the task failed")
                    return Status("failed", failure=error_for(MINIMAX, Failure(Kind.FAILED, reason, "Fail")))
                return Status(state)  # type: ignore[arg-type]

            await wait_for(MINIMAX, poll, ctx, self.settings, span=Span(0.05, 0.75, 120.0))
            file_id = str(task.get("file_id") or "")
            if not file_id:
                raise ProviderFailed("MiniMax reported success without a file_id")
            retrieved = (await http.get("/v1/files/retrieve", params={"file_id": file_id})).json()
        url = str((retrieved.get("file") or {}).get("download_url") or "")
        if not url:
            raise ProviderFailed("MiniMax returned the file without a download_url")
        _, path = await keep_result(MINIMAX, url, ctx, "clip.mp4", self.settings, workdir)
        for item in self.estimate(job.seconds):
            ctx.costs.add(item)
        return path
