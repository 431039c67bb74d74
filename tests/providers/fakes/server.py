"""Local fake servers for the seven hosted providers, following their documented API shapes.

One HTTP server on loopback plays all seven, each under its own path prefix
(/fal, /replicate, /elevenlabs, /kling, /runway, /luma, /minimax), and serves the
results it hands out under /files. Shapes follow the providers' docs and SDKs as
gathered in shared/reference/providers.md: fal's queue (request_id, status_url,
IN_QUEUE/IN_PROGRESS/COMPLETED, `detail` errors), Replicate's predictions and
problem+json, ElevenLabs' /with-timestamps alignment and /v1/voices/add, Kling's
JWT and `code` envelope, Runway's tasks with its version header, Luma's
generations, MiniMax's three calls with errors in `base_resp` of HTTP 200s.

A job moves one state per poll (queued at position 1, queued at 0, running, done).
`scenario[provider]` changes what a provider does next:
  ok            the happy path
  rate_limited  the first request is refused with 429 and Retry-After: 1 (MiniMax: 200 + 1002)
  policy        the content is refused the provider's way
  fail          the job fails at the provider
  slow          the job never finishes (timeouts, cancel)
  expired       the result URL answers 404
  private       the result URL points at a private address (10.20.30.40)
  unreachable   the result URL points at a closed loopback port
  echo_key      (fal) the request is refused with a message quoting the key it was sent, as careless APIs do
Keys are fixed (KEYS); any other key is answered 401 the provider's way.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from tests.providers.fakes import media

KEYS = {
    "fal": "fake-fal-key-0001",
    "replicate": "r8_fake-replicate-token",
    "elevenlabs": "fake-elevenlabs-key-01",
    "kling_access": "fake-kling-access-key",
    "kling_secret": "fake-kling-secret-key-0001-padded-to-32b",
    "runway": "key_fake-runway-secret",
    "luma": "luma-fake-api-key-0001",
    "minimax": "fake-minimax-api-key-01",
}
PROVIDERS = ("fal", "replicate", "elevenlabs", "kling", "runway", "luma", "minimax")
RUNWAY_VERSION = "2024-11-06"
PRIVATE_URL = "https://10.20.30.40/result"
CLOSED_URL = "http://127.0.0.1:9/result"


@dataclass
class Task:
    provider: str
    kind: str
    scenario: str
    params: dict[str, Any]
    polls: int = 0
    cancelled: bool = False

    def state(self) -> str:
        """queued (position 1), queued (0), running, then done, one step per poll (slow: never done)."""
        if self.cancelled:
            return "cancelled"
        self.polls += 1
        if self.polls <= 2:
            return "queued"
        if self.polls == 3 or self.scenario == "slow":
            return "running"
        return "failed" if self.scenario in ("fail", "policy") else "done"

    @property
    def position(self) -> int:
        return max(0, 2 - self.polls)


@dataclass
class Request:
    provider: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeProviders:
    """The fakes' state, shared with tests: scenarios to play, requests received, tasks made."""

    url: str = ""
    scenario: dict[str, str] = field(default_factory=lambda: dict.fromkeys(PROVIDERS, "ok"))
    requests: list[Request] = field(default_factory=list)
    tasks: dict[str, Task] = field(default_factory=dict)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    rate_limited_once: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: fal keys accepted besides KEYS["fal"] (a tenant's own key, stored through the gateway).
    tenant_keys: set[str] = field(default_factory=set)

    def calls(self, provider: str, method: str = "") -> list[Request]:
        return [r for r in self.requests if r.provider == provider and (not method or r.method == method)]

    def cancelled(self, provider: str) -> list[Task]:
        return [t for t in self.tasks.values() if t.provider == provider and t.cancelled]

    def settings_env(self) -> dict[str, str]:
        """The environment that points the studio's provider backends at these fakes."""
        return {
            "STUDIO_FAL_URL": f"{self.url}/fal",
            "STUDIO_REPLICATE_URL": f"{self.url}/replicate",
            "STUDIO_ELEVENLABS_URL": f"{self.url}/elevenlabs",
            "STUDIO_KLING_URL": f"{self.url}/kling",
            "STUDIO_RUNWAY_URL": f"{self.url}/runway",
            "STUDIO_LUMA_URL": f"{self.url}/luma",
            "STUDIO_MINIMAX_URL": f"{self.url}/minimax",
            "STUDIO_FAL_KEY": KEYS["fal"],
            "STUDIO_REPLICATE_KEY": KEYS["replicate"],
            "STUDIO_ELEVENLABS_KEY": KEYS["elevenlabs"],
            "STUDIO_KLING_ACCESS_KEY": KEYS["kling_access"],
            "STUDIO_KLING_SECRET_KEY": KEYS["kling_secret"],
            "STUDIO_RUNWAY_KEY": KEYS["runway"],
            "STUDIO_LUMA_KEY": KEYS["luma"],
            "STUDIO_MINIMAX_KEY": KEYS["minimax"],
            "STUDIO_PROVIDER_ALLOW_LOOPBACK_FOR_TESTS": "true",
            "STUDIO_PROVIDER_POLL_SECONDS": "0.05",
            "STUDIO_PROVIDER_POLL_MAX_SECONDS": "0.2",
        }

    # -- results -------------------------------------------------------------------------------

    def result_url(self, scenario: str, name: str, data: bytes, content_type: str) -> str:
        if scenario == "private":
            return f"{PRIVATE_URL}/{name}"
        if scenario == "unreachable":
            return f"{CLOSED_URL}/{name}"
        with self.lock:
            self.files[name] = (data, content_type)
        return f"{self.url}/files/{name}"

    def new_task(self, provider: str, kind: str, params: dict[str, Any]) -> tuple[str, Task]:
        task_id = uuid.uuid4().hex[:20]
        task = Task(provider, kind, self.scenario.get(provider, "ok"), params)
        with self.lock:
            self.tasks[task_id] = task
        return task_id, task


class _Reply(Exception):
    """Raised by a route to answer at once."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise _Reply(400, {"detail": "body is not JSON"}) from None


class Routes:
    """The providers' endpoints; each method answers (status, body[, headers]) or raises _Reply."""

    def __init__(self, fake: FakeProviders) -> None:
        self.fake = fake

    def _scenario(self, provider: str) -> str:
        return self.fake.scenario.get(provider, "ok")

    def _maybe_rate_limit(self, provider: str, error: Any) -> None:
        if self._scenario(provider) == "rate_limited" and provider not in self.fake.rate_limited_once:
            self.fake.rate_limited_once.add(provider)
            raise _Reply(429, error, {"Retry-After": "1"})

    # -- fal -------------------------------------------------------------------------------------

    def fal(self, method: str, path: str, headers: dict[str, str], body: bytes, query: dict[str, Any]) -> Any:
        if headers.get("authorization") not in {f"Key {key}" for key in (KEYS["fal"], *self.fake.tenant_keys)}:
            raise _Reply(401, {"detail": "Unauthorized"})
        self._maybe_rate_limit("fal", {"detail": "Too many requests"})
        if self._scenario("fal") == "echo_key":
            sent = headers.get("authorization", "").removeprefix("Key ")
            raise _Reply(400, {"detail": f"request rejected for key {sent}"})
        match = re.match(r"^/(?P<app>[^/]+/[^/]+)/requests/(?P<id>[^/]+)(?P<rest>/status|/cancel)?$", path)
        if match is None and method == "POST":
            owner_alias = "/".join(path.strip("/").split("/")[:2])
            params = _json(body)
            task_id, _ = self.fake.new_task("fal", path.strip("/"), params)
            base = f"{self.fake.url}/fal/{owner_alias}/requests/{task_id}"
            return 200, {"request_id": task_id, "response_url": base, "status_url": f"{base}/status",
                         "cancel_url": f"{base}/cancel", "status": "IN_QUEUE", "queue_position": 1}  # fmt: skip
        if match is None:
            raise _Reply(404, {"detail": "Not found"})
        task = self.fake.tasks.get(match["id"])
        if task is None:
            raise _Reply(404, {"detail": "Request not found"})
        if match["rest"] == "/cancel":
            task.cancelled = True
            return 202, {"status": "CANCELLATION_REQUESTED"}
        if match["rest"] == "/status":
            state = task.state()
            if state == "queued":
                return 200, {"status": "IN_QUEUE", "queue_position": task.position}
            if state in ("running", "cancelled"):
                return 200, {"status": "IN_PROGRESS", "logs": []}
            if state == "failed" and task.scenario == "fail":
                return 200, {"status": "COMPLETED", "logs": [], "metrics": {}, "error": "Internal server error",
                             "error_type": "internal_server_error"}  # fmt: skip
            return 200, {"status": "COMPLETED", "logs": [], "metrics": {"inference_time": 0.4}}
        if task.scenario == "policy":  # fal reports refused content when the result is fetched
            raise _Reply(422, {"detail": [{"loc": ["body", "prompt"], "msg": "The prompt was flagged by our "
                                           "content checker", "type": "content_policy_violation"}]},
                         {"x-fal-error-type": "content_policy_violation"})  # fmt: skip
        size = task.params.get("image_size") or {"width": 1024, "height": 768}
        if "image_url" in task.params:
            size = dict(zip(("width", "height"), media.image_size(str(task.params["image_url"])), strict=True))
        width, height = int(size["width"]), int(size["height"])
        name = f"fal-{match['id']}.png"
        url = self.fake.result_url(task.scenario, name, media.png(width, height, str(task.params.get("prompt"))),
                                   "image/png")  # fmt: skip
        return 200, {"images": [{"url": url, "width": width, "height": height, "content_type": "image/png"}],
                     "seed": task.params.get("seed", 0), "has_nsfw_concepts": [False], "timings": {"inference": 0.4},
                     "prompt": task.params.get("prompt", "")}  # fmt: skip

    # -- Replicate ------------------------------------------------------------------------------

    def _prediction(self, task_id: str, task: Task, status: str) -> dict[str, Any]:
        output: Any = None
        error = None
        if status == "succeeded":
            model = task.kind
            if model.endswith("musicgen"):
                seconds = float(task.params["input"].get("duration", 8))
                output = self.fake.result_url(task.scenario, f"rep-{task_id}.wav", media.wav(seconds), "audio/wav")
            elif model.endswith("real-esrgan"):
                w, h = media.image_size(str(task.params["input"]["image"]))
                scale = int(task.params["input"].get("scale", 4))
                data = media.png(w * scale, h * scale, "esrgan")
                output = self.fake.result_url(task.scenario, f"rep-{task_id}.png", data, "image/png")
            else:
                ratio = str(task.params["input"].get("aspect_ratio", "1:1"))
                a, b = (int(x) for x in ratio.split(":"))
                width = 1024 if a >= b else round(1024 * a / b / 16) * 16
                height = round(width * b / a / 16) * 16
                data = media.png(width, height, str(task.params["input"].get("prompt")))
                output = [self.fake.result_url(task.scenario, f"rep-{task_id}.png", data, "image/png")]
        elif status == "failed":
            error = ("NSFW content detected. Try running it again, or try a different prompt."
                     if task.scenario == "policy" else "CUDA out of memory")  # fmt: skip
        base = f"{self.fake.url}/replicate/v1/predictions/{task_id}"
        return {
            "id": task_id, "model": task.kind, "version": task.params.get("version", ""),
            "input": task.params.get("input", {}), "logs": "", "output": output, "error": error, "status": status,
            "created_at": "2026-12-01T00:00:00Z", "started_at": None, "completed_at": None,
            "metrics": {"predict_time": 12.5} if status == "succeeded" else {},
            "urls": {"get": base, "cancel": f"{base}/cancel"},
        }  # fmt: skip

    def replicate(self, method: str, path: str, headers: dict[str, str], body: bytes, query: dict[str, Any]) -> Any:
        if headers.get("authorization") != f"Bearer {KEYS['replicate']}":
            raise _Reply(401, {"type": "https://replicate.com/docs/reference/http#authentication",
                               "title": "Unauthenticated", "status": 401,
                               "detail": "You did not pass a valid authentication token"})  # fmt: skip
        throttled = "Request was throttled. Your rate limit resets in ~1s."
        self._maybe_rate_limit("replicate", {"title": "Too Many Requests", "status": 429, "detail": throttled})
        created = re.match(r"^/v1/(?:models/(?P<model>[^/]+/[^/]+)/)?predictions$", path)
        if created and method == "POST":
            params = _json(body)
            model = created["model"] or {"2b5dc5f2": "meta/musicgen", "42fed1c4": "nightmareai/real-esrgan"}.get(
                str(params.get("version", ""))[:8], "unknown"
            )
            task_id, created_task = self.fake.new_task("replicate", model, params)
            return 201, self._prediction(task_id, created_task, "starting")
        match = re.match(r"^/v1/predictions/(?P<id>[^/]+)(?P<cancel>/cancel)?$", path)
        task = self.fake.tasks.get(match["id"]) if match else None
        if match is None or task is None:
            raise _Reply(404, {"title": "Not found", "status": 404, "detail": "Prediction not found"})
        if match["cancel"]:
            task.cancelled = True
            return 200, self._prediction(match["id"], task, "canceled")
        state = task.state()
        status = {"queued": "starting", "running": "processing", "done": "succeeded", "failed": "failed",
                  "cancelled": "canceled"}[state]  # fmt: skip
        return 200, self._prediction(match["id"], task, status)

    # -- ElevenLabs -----------------------------------------------------------------------------

    def elevenlabs(self, method: str, path: str, headers: dict[str, str], body: bytes, query: dict[str, Any]) -> Any:
        if headers.get("xi-api-key") != KEYS["elevenlabs"]:
            raise _Reply(401, {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}})
        self._maybe_rate_limit("elevenlabs", {"detail": {"status": "too_many_concurrent_requests",
                                                         "message": "Too many concurrent requests"}})  # fmt: skip
        if path == "/v1/voices/add" and method == "POST":
            form = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + headers.get("content-type", "").encode() + b"\r\n\r\n" + body
            )
            parts = {part.get_param("name", header="content-disposition"): part for part in form.iter_parts()}
            if "name" not in parts or "files" not in parts:
                raise _Reply(422, {"detail": [{"loc": ["body", "files"], "msg": "field required", "type": "missing"}]})
            self.fake.new_task("elevenlabs", "clone", {"name": parts["name"].get_content()})
            return 200, {"voice_id": "FakeClonedVoice00001", "requires_verification": False}
        match = re.match(r"^/v1/text-to-speech/(?P<voice>[^/]+)/with-timestamps$", path)
        if match is None or method != "POST":
            raise _Reply(404, {"detail": "Not found"})
        params = _json(body)
        _, task = self.fake.new_task("elevenlabs", "tts", {**params, "voice_id": match["voice"], **query})
        if task.scenario == "policy":
            raise _Reply(400, {"detail": {"status": "content_against_policy",
                                          "message": "This text violates our Terms of Service"}})  # fmt: skip
        if task.scenario == "fail":
            raise _Reply(500, {"detail": {"status": "internal_error", "message": "Something went wrong"}})
        if task.scenario == "slow":
            time.sleep(3.0)
        pcm, alignment = media.speech(str(params.get("text", "")))
        return 200, {"audio_base64": base64.b64encode(pcm).decode(), "alignment": alignment,
                     "normalized_alignment": alignment}  # fmt: skip

    # -- Kling -----------------------------------------------------------------------------------

    def kling(self, method: str, path: str, headers: dict[str, str], body: bytes, query: dict[str, Any]) -> Any:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, KEYS["kling_secret"], algorithms=["HS256"])
            if claims.get("iss") != KEYS["kling_access"]:
                raise jwt.InvalidTokenError("wrong issuer")
        except jwt.InvalidTokenError:
            raise _Reply(401, {"code": 1002, "message": "Authorization is invalid", "request_id": "fake"}) from None
        self._maybe_rate_limit("kling", {"code": 1302, "message": "API request too frequent", "request_id": "fake"})
        if path == "/v1/videos/image2video" and method == "POST":
            params = _json(body)
            if params.get("duration") not in ("5", "10") or params.get("mode") not in ("std", "pro"):
                raise _Reply(400, {"code": 1201, "message": "invalid duration or mode", "request_id": "fake"})
            if self._scenario("kling") == "policy":
                raise _Reply(400, {"code": 1301, "message": "Image content failed the security check",
                                   "request_id": "fake"})  # fmt: skip
            task_id, _ = self.fake.new_task("kling", "image2video", params)
            accepted = {"task_id": task_id, "task_status": "submitted", "created_at": 0, "updated_at": 0}
            return 200, {"code": 0, "message": "SUCCEED", "request_id": "fake", "data": accepted}
        match = re.match(r"^/v1/videos/image2video/(?P<id>[^/]+)$", path)
        task = self.fake.tasks.get(match["id"]) if match else None
        if match is None or task is None:
            raise _Reply(404, {"code": 1203, "message": "task not found", "request_id": "fake"})
        state = task.state()
        data: dict[str, Any] = {"task_id": match["id"], "task_status_msg": "", "created_at": 0, "updated_at": 0,
                                "task_status": {"queued": "submitted", "running": "processing", "done": "succeed",
                                                "failed": "failed", "cancelled": "failed"}[state]}  # fmt: skip
        if state == "failed":
            data["task_status_msg"] = "Task failed: internal error"
        if state == "done":
            seconds = int(task.params["duration"])
            clip = media.mp4(seconds, str(task.params.get("image", "")))
            url = self.fake.result_url(task.scenario, f"kling-{match['id']}.mp4", clip, "video/mp4")
            units = {"std": 1, "pro": 3.5}[task.params["mode"]] * seconds / 5
            data["task_result"] = {"videos": [{"id": "v1", "url": url, "duration": str(seconds)}]}
            data["final_unit_deduction"] = f"{units:g}"
        return 200, {"code": 0, "message": "SUCCEED", "request_id": "fake", "data": data}

    # -- Runway ----------------------------------------------------------------------------------

    def runway(self, method: str, path: str, headers: dict[str, str], body: bytes, query: dict[str, Any]) -> Any:
        if headers.get("authorization") != f"Bearer {KEYS['runway']}":
            raise _Reply(401, {"error": "Incorrect hostname or API key"})
        if headers.get("x-runway-version") != RUNWAY_VERSION:
            raise _Reply(400, {"error": f"The X-Runway-Version header must be {RUNWAY_VERSION}"})
        self._maybe_rate_limit("runway", {"error": "You have exceeded your rate limit"})
        if path == "/v1/image_to_video" and method == "POST":
            params = _json(body)
            if params.get("model") != "gen4_turbo" or not str(params.get("promptImage", "")).startswith("data:"):
                raise _Reply(400, {"error": "model or promptImage invalid"})
            task_id, _ = self.fake.new_task("runway", "image_to_video", params)
            return 200, {"id": task_id}
        match = re.match(r"^/v1/tasks/(?P<id>[^/]+)$", path)
        task = self.fake.tasks.get(match["id"]) if match else None
        if match is None or task is None:
            raise _Reply(404, {"error": "Task not found"})
        if method == "DELETE":
            task.cancelled = True
            return 204, None
        state = task.state()
        out: dict[str, Any] = {"id": match["id"], "createdAt": "2026-12-01T00:00:00Z"}
        if state == "queued":
            out.update(status="PENDING" if task.position else "THROTTLED", estimatedCost={"credits": 25})
        elif state == "running":
            out.update(status="RUNNING", progress=0.4, estimatedCost={"credits": 25})
        elif state == "failed":
            code = "SAFETY.INPUT.IMAGE" if task.scenario == "policy" else "INTERNAL"
            out.update(status="FAILED", failure="The task could not be completed", failureCode=code,
                       cost={"credits": 0})  # fmt: skip
        elif state == "cancelled":
            out.update(status="CANCELLED", cost={"credits": 0})
        else:
            seconds = int(task.params.get("duration", 5))
            clip = media.mp4(seconds, str(task.params["promptImage"]))
            url = self.fake.result_url(task.scenario, f"runway-{match['id']}.mp4", clip, "video/mp4")
            out.update(status="SUCCEEDED", output=[url], cost={"credits": 5 * seconds})
        return 200, out

    # -- Luma ------------------------------------------------------------------------------------

    def luma(self, method: str, path: str, headers: dict[str, str], body: bytes, query: dict[str, Any]) -> Any:
        if headers.get("authorization") != f"Bearer {KEYS['luma']}":
            raise _Reply(401, {"detail": "Invalid API key"})
        self._maybe_rate_limit("luma", {"detail": "Rate limit exceeded"})
        if path == "/generations/video" and method == "POST":
            params = _json(body)
            frame = (params.get("keyframes") or {}).get("frame0") or {}
            if frame.get("type") != "image" or not frame.get("url"):
                raise _Reply(400, {"detail": "keyframes.frame0 must be an image URL"})
            task_id, _ = self.fake.new_task("luma", "video", params)
            return 201, self._generation(task_id, "queued", params)
        match = re.match(r"^/generations/(?P<id>[^/]+)$", path)
        task = self.fake.tasks.get(match["id"]) if match else None
        if match is None or task is None:
            raise _Reply(404, {"detail": "Generation not found"})
        if method == "DELETE":
            task.cancelled = True
            return 204, None
        state = task.state()
        states = {"queued": "queued", "running": "dreaming", "done": "completed", "failed": "failed",
                  "cancelled": "failed"}  # fmt: skip
        generation = self._generation(match["id"], states[state], task.params)
        if state == "failed":
            generation["failure_reason"] = ("Prompt failed moderation" if task.scenario == "policy"
                                            else "Generation failed")  # fmt: skip
        if state == "done":
            seconds = int(str(task.params.get("duration", "5s")).rstrip("s"))
            url = self.fake.result_url(task.scenario, f"luma-{match['id']}.mp4", media.mp4(seconds), "video/mp4")
            generation["assets"] = {"video": url}
        return 200, generation

    @staticmethod
    def _generation(task_id: str, state: str, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": task_id, "state": state, "created_at": "2026-12-01T00:00:00Z", "model": params.get("model"),
                "generation_type": "video", "assets": None, "failure_reason": None, "request": params}  # fmt: skip

    # -- MiniMax ---------------------------------------------------------------------------------

    @staticmethod
    def _base(code: int = 0, message: str = "success") -> dict[str, Any]:
        return {"status_code": code, "status_msg": message}

    def minimax(self, method: str, path: str, headers: dict[str, str], body: bytes, query: dict[str, Any]) -> Any:
        if headers.get("authorization") != f"Bearer {KEYS['minimax']}":
            return 200, {"base_resp": self._base(1004, "login fail: Please carry the API secret key")}
        if self._scenario("minimax") == "rate_limited" and "minimax" not in self.fake.rate_limited_once:
            self.fake.rate_limited_once.add("minimax")
            return 200, {"base_resp": self._base(1002, "rate limit exceeded")}  # HTTP 200, as MiniMax does
        if path == "/v1/video_generation" and method == "POST":
            params = _json(body)
            if self._scenario("minimax") == "policy":
                return 200, {"task_id": "", "base_resp": self._base(1026, "input new_sensitive")}
            task_id, _ = self.fake.new_task("minimax", "video", params)
            return 200, {"task_id": task_id, "base_resp": self._base()}
        if path == "/v1/query/video_generation":
            task = self.fake.tasks.get(str(query.get("task_id", "")))
            if task is None:
                return 200, {"base_resp": self._base(2013, "invalid task_id")}
            state = task.state()
            status = {"queued": "Queueing" if task.position else "Preparing", "running": "Processing",
                      "done": "Success", "failed": "Fail", "cancelled": "Fail"}[state]  # fmt: skip
            out: dict[str, Any] = {"task_id": query["task_id"], "status": status, "base_resp": self._base()}
            if state == "done":
                out.update(file_id=f"file-{query['task_id']}", video_width=1366, video_height=768)
            return 200, out
        if path == "/v1/files/retrieve":
            file_id = str(query.get("file_id", ""))
            task = self.fake.tasks.get(file_id.removeprefix("file-"))
            if task is None:
                return 200, {"base_resp": self._base(2013, "invalid file_id")}
            seconds = int(task.params.get("duration", 6))
            clip = media.mp4(seconds, str(task.params.get("first_frame_image", "")))
            url = self.fake.result_url(task.scenario, f"minimax-{file_id}.mp4", clip, "video/mp4")
            return 200, {"file": {"file_id": file_id, "bytes": len(clip), "filename": "output.mp4",
                                  "download_url": url}, "base_resp": self._base()}  # fmt: skip
        raise _Reply(404, {"base_resp": self._base(2013, "unknown path")})


def _handler(fake: FakeProviders) -> type[BaseHTTPRequestHandler]:
    routes = Routes(fake)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            provider, _, rest = parts.path.lstrip("/").partition("/")
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if provider == "files":
                found = fake.files.get(rest)
                if found is None or fake.scenario.get(_owner(rest), "ok") == "expired":
                    return self._send(404, {"error": "NoSuchKey: the link has expired"})
                return self._send(200, found[0], {"Content-Type": found[1]})
            if provider not in PROVIDERS:
                return self._send(404, {"detail": "no such provider"})
            with fake.lock:
                fake.requests.append(Request(provider, self.command, "/" + rest, headers, body))
            try:
                answer = getattr(routes, provider)(self.command, "/" + rest, headers, body, query)
            except _Reply as reply:
                return self._send(reply.status, reply.body, reply.headers)
            except (KeyError, ValueError, TypeError, binascii.Error) as error:
                return self._send(400, {"detail": f"bad request: {error}"})
            status, payload = answer[0], answer[1]
            self._send(status, payload)

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            headers = dict(headers or {})
            if isinstance(body, bytes):
                data = body
            elif body is None:
                data = b""
            else:
                data = json.dumps(body).encode()
                problem = status >= 400 and self.path.startswith("/replicate")
                headers.setdefault("Content-Type", "application/problem+json" if problem else "application/json")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            return None

    return Handler


def _owner(name: str) -> str:
    prefix = name.split("-", 1)[0]
    return {"rep": "replicate"}.get(prefix, prefix)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of hundreds of jobs (benchmarks/providers.py)


class FakeProviderServer:
    """The fakes on 127.0.0.1:`port` (0 = any free port), in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self.fake = FakeProviders()
        self.server = _Server(("127.0.0.1", port), _handler(self.fake))
        self.fake.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-providers", daemon=True)

    def __enter__(self) -> FakeProviders:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


#: Calls per provider, for tests that count them.
def call_counts(fake: FakeProviders) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for request in fake.requests:
        counts[request.provider] += 1
    return dict(counts)
