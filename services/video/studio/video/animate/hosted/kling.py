"""The `kling` image-to-video backend: Kling AI's image2video API over httpx (Kling publishes no Python SDK).

Every request carries a short-lived JWT (HS256) signed with the secret key, the
access key as its issuer. Kling answers `{code, message, request_id, data}`:
`code` 0 is success, the others say what failed (1000s auth, 1100s account,
1200s request, 1300s content and rate, 5000s server). A clip is "5" or "10"
seconds, mode std or pro. Kling has no cancel endpoint: a cancelled or timed-out
task is abandoned. Its cost is the task's `final_unit_deduction` (units) at the
unit price; before that is known, the units table below.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt

from studio.core.costs import priced
from studio.core.errors import InvalidInput, ProviderFailed
from studio.core.operations import OperationContext
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.download import keep_result
from studio.core.providers.polling import Span, Status, wait_for
from studio.core.providers.secrets import register_secret, resolve_key
from studio.core.providers.settings import ProviderSettings
from studio.core.providers.transport import Answer, Failure, Kind, api_client, detail_of, error_for
from studio.v1.common_pb2 import CostItem, ModelInfo
from studio.video.animate.hosted.clip import ClipJob, check_motion, shortest_covering, still_base64

KLING = PROVIDERS["kling"]
MODEL = "kling-v1-6"
MODES = ("std", "pro")
DURATIONS = (5, 10)
#: Units a clip takes, by mode, per 5 seconds (UNCONFIRMED: the actual cost is the task's final_unit_deduction).
UNITS_PER_5S = {"std": 1.0, "pro": 3.5}
TOKEN_SECONDS = 1800
_STATES = {"submitted": "queued", "processing": "running", "succeed": "done", "failed": "failed"}
_POLICY_WORDS = ("risk", "sensitive", "policy", "inappropriate", "violat")


def kling_kind(code: int) -> Kind:
    if 1000 <= code <= 1004 or code in (1103, 1304):
        return Kind.AUTH
    if 1100 <= code <= 1102:
        return Kind.QUOTA
    if code in (1202, 1203):
        return Kind.GONE
    if code in (1300, 1301):
        return Kind.POLICY
    if code in (1302, 1303) or code >= 5000:
        return Kind.RETRY
    return Kind.INVALID


def kling_convention(answer: Answer) -> Failure | None:
    """Kling's `code` field decides, whatever the HTTP status."""
    body = answer.json()
    code = body.get("code") if isinstance(body, dict) else None
    if isinstance(code, int):
        if code == 0:
            return None
        kind = kling_kind(code)
        return Failure(kind, detail_of(body, answer.text), 429 if kind is Kind.RETRY and code < 5000 else code)
    if answer.status >= 400:
        return Failure(Kind.RETRY if answer.status >= 500 or answer.status == 429 else Kind.INVALID,
                       answer.text.strip() or f"HTTP {answer.status}", answer.status)  # fmt: skip
    return Failure(Kind.FAILED, "an answer without a code", answer.status)


def token(access_key: str, secret_key: str, now: float | None = None) -> str:
    """The JWT Kling expects: issuer = access key, valid for half an hour (and 5 s before now, for clock skew)."""
    issued = int(now if now is not None else time.time())
    value = jwt.encode({"iss": access_key, "exp": issued + TOKEN_SECONDS, "nbf": issued - 5}, secret_key,
                       algorithm="HS256", headers={"alg": "HS256", "typ": "JWT"})  # fmt: skip
    register_secret(value)
    return value


def units(mode: str, seconds: int) -> float:
    return UNITS_PER_5S[mode] * seconds / 5


class KlingBackend:
    name = "kling"

    def __init__(self, settings: ProviderSettings, mode: str = "std", model: str = MODEL) -> None:
        if mode not in MODES:
            raise InvalidInput(f"kling mode {mode!r}: use std or pro")
        self.settings, self.mode, self.model = settings, mode, model

    def models(self) -> list[ModelInfo]:
        return [ModelInfo(name=self.model, backend=self.name, task="image-to-video",
                          installed=bool(self.settings.key(KLING)),
                          description=f"Kling AI image-to-video, {self.mode} mode, 5 or 10 s clips")]  # fmt: skip

    def estimate(self, seconds: float) -> list[CostItem]:
        return [
            priced("kling:unit", units(self.mode, shortest_covering(seconds, DURATIONS)), "estimate", self.settings)
        ]

    def describe(self, job: ClipJob) -> str:
        return f"Kling {self.model} {self.mode} {shortest_covering(job.seconds, DURATIONS)} s: {job.motion or 'motion'}"

    async def clip(self, job: ClipJob, ctx: OperationContext, workdir: Path) -> Path:
        pair = resolve_key(KLING.name, KLING.title, self.settings.key(KLING), ctx.credentials, KLING.key_variables())
        access, _, secret = pair.partition(":")
        if not access or not secret:
            raise InvalidInput("the Kling key must be given as ACCESS_KEY:SECRET_KEY")
        seconds = shortest_covering(job.seconds, DURATIONS)
        body: dict[str, Any] = {
            "model_name": self.model,
            "image": still_base64(job.image),  # raw base64, no data: prefix
            "prompt": check_motion(job.motion, 2500),
            "mode": self.mode,
            "duration": str(seconds),
        }
        headers = {"Authorization": f"Bearer {token(access, secret)}"}
        async with api_client(KLING, self.settings, headers=headers, convention=kling_convention) as http:
            created = (await http.post("/v1/videos/image2video", json=body)).json()
            task_id = str((created.get("data") or {}).get("task_id") or "")
            if not task_id:
                raise ProviderFailed("Kling accepted the request but returned no task_id")
            task: dict[str, Any] = {}

            async def poll() -> Status:
                nonlocal task
                http.headers["Authorization"] = f"Bearer {token(access, secret)}"  # long waits outlive a token
                task = (await http.get(f"/v1/videos/image2video/{task_id}")).json().get("data") or {}
                state = _STATES.get(str(task.get("task_status")), "running")
                if state == "failed":
                    reason = str(task.get("task_status_msg") or "the task failed")
                    kind = Kind.POLICY if any(w in reason.lower() for w in _POLICY_WORDS) else Kind.FAILED
                    return Status("failed", failure=error_for(KLING, Failure(kind, reason, "failed")))
                return Status(state)  # type: ignore[arg-type]

            await wait_for(KLING, poll, ctx, self.settings, span=Span(0.05, 0.8, 60.0 * seconds / 5))
        videos = (task.get("task_result") or {}).get("videos") or []
        if not videos or not videos[0].get("url"):
            raise ProviderFailed("Kling reported success without a video URL")
        _, path = await keep_result(KLING, str(videos[0]["url"]), ctx, "clip.mp4", self.settings, workdir)
        try:
            deducted = float(task["final_unit_deduction"])
            ctx.costs.add(priced("kling:unit", deducted, "provider", self.settings))
        except (KeyError, TypeError, ValueError):
            for item in self.estimate(seconds):
                ctx.costs.add(item)
        return path
