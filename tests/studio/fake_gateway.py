"""A scripted stand-in for the gateway's REST API (httpx.MockTransport), enough to exercise the SDK."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

KEY = "sk-test"


def problem(status: int, detail: str) -> httpx.Response:
    body = {"type": "about:blank", "status": status, "title": "error", "detail": detail}
    return httpx.Response(status, json=body, headers={"Content-Type": "application/problem+json"})


def asset(asset_id: str, role: str, content_type: str, job_id: str | None = None) -> dict[str, Any]:
    return {"id": asset_id, "type": content_type.split("/")[0], "role": role, "content_type": content_type,
            "size": 3, "sha256": "ab", "job_id": job_id, "project_id": None, "metadata": {},
            "created_at": "2026-01-01T00:00:00Z", "links": {"self": "", "download": ""}}  # fmt: skip


def job(job_id: str, status: str, assets: list[dict[str, Any]] = (), **extra: Any) -> dict[str, Any]:  # type: ignore[assignment]
    return {"id": job_id, "type": extra.pop("type", "x.y"), "status": status, "progress": extra.pop("progress", 0.0),
            "stage": "", "project_id": None, "step_id": extra.pop("step_id", None), "parameters": {},
            "result": extra.pop("result", None), "error": extra.pop("error", None), "attempts": 1,
            "created_at": "2026-01-01T00:00:00Z", "started_at": None, "completed_at": None,
            "assets": list(assets), "links": {"self": "", "events": "", "cancel": ""}}  # fmt: skip


#: Generation routes answered with one output: path -> (job id prefix, output role, content type, result).
OUTPUTS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "/api/v1/image/generate": ("generate", "images.0.image", "image/png", {"images": [{"seed": 7}]}),
    "/api/v1/video/animate": ("animate", "video", "video/mp4", {"duration_seconds": 1.0}),
}


@dataclass
class FakeGateway:
    uploads: dict[str, bytes] = field(default_factory=dict)
    screenplays: list[dict[str, Any]] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    #: Job id -> remaining GET answers before it completes.
    polls: dict[str, int] = field(default_factory=dict)
    fail_jobs: dict[str, tuple[str, str]] = field(default_factory=dict)
    project_polls: int = 0
    steps: list[dict[str, Any]] = field(default_factory=list)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {KEY}":
            return problem(401, "missing or unknown API key")
        path, method = request.url.path, request.method
        if method == "POST" and path == "/api/v1/assets":
            asset_id = str(uuid.uuid4())
            self.uploads[asset_id] = request.content
            return httpx.Response(201, json=asset(asset_id, "upload", "image/jpeg"))
        if method == "GET" and (m := re.fullmatch(r"/api/v1/assets/([\w-]+)/download", path)):
            return httpx.Response(200, content=f"bytes of {m.group(1)}".encode())
        if method == "POST" and path == "/api/v1/audio/generate-speech":
            body = json.loads(request.content)
            job_id = f"speech-{len(self.polls)}"
            self.polls[job_id] = 2
            if body["text"] == "fail":
                self.fail_jobs[job_id] = ("failed_precondition", "espeak has no voice 'xx'")
            return httpx.Response(202, json=job(job_id, "queued"))
        if method == "POST" and path in OUTPUTS:
            job_id = f"{path.rsplit('/', 1)[-1]}-{len(self.polls)}"
            self.polls[job_id] = 1
            return httpx.Response(202, json=job(job_id, "queued"))
        if method == "POST" and path == "/api/v1/audio/clone-voice":
            return httpx.Response(202, json={"voice": self.voice("processing"), "job": job("clone-1", "queued")})
        if method == "GET" and path == "/api/v1/audio/voices/v1":
            return httpx.Response(200, json=self.voice("ready"))
        if method == "GET" and (m := re.fullmatch(r"/api/v1/jobs/([\w-]+)", path)):
            return self.job_answer(m.group(1))
        if method == "GET" and path == "/api/v1/jobs":
            return httpx.Response(
                200, json={"items": [job("j1", "completed", type="audio.synthesize")], "limit": 50, "offset": 0}
            )
        if method == "POST" and path == "/api/v1/studio/create-project":
            return httpx.Response(201, json=self.project("draft"))
        if method == "POST" and path == "/api/v1/studio/generate-content":
            self.screenplays.append(json.loads(request.content))
            return httpx.Response(202, json=self.project("running"))
        if method == "GET" and path == "/api/v1/studio/projects/p1":
            return self.project_answer()
        return problem(404, f"no route {method} {path}")

    def voice(self, status: str) -> dict[str, Any]:
        return {"id": "v1", "name": "Minha Voz", "language": "pt-br", "status": status, "details": {}, "error": None,
                "created_at": "2026-01-01T00:00:00Z", "links": {"self": ""}}  # fmt: skip

    def job_answer(self, job_id: str) -> httpx.Response:
        left = self.polls.get(job_id, 0)
        if left > 0:
            self.polls[job_id] = left - 1
            return httpx.Response(200, json=job(job_id, "running", progress=0.5))
        if job_id in self.fail_jobs:
            code, message = self.fail_jobs[job_id]
            return httpx.Response(200, json=job(job_id, "failed", error={"code": code, "message": message}))
        kind = next((route for route in OUTPUTS.values() if job_id.startswith(route[0])), None)
        if kind is not None:  # an image or a clip
            _, role, content_type, result = kind
            output = asset(f"{job_id}-out", role, content_type, job_id)
            return httpx.Response(200, json=job(job_id, "completed", [output], result=result))
        audio = asset(f"{job_id}-audio", "audio", "audio/wav", job_id)
        return httpx.Response(200, json=job(job_id, "completed", [audio], result={"duration_seconds": 1.5}))

    def project(self, status: str, **extra: Any) -> dict[str, Any]:
        return {"id": "p1", "name": "Luna e Pip", "type": "video", "status": status, "error": None,
                "steps_total": len(self.steps), "steps_completed": 0, "result": None,
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                "links": {"self": "", "jobs": "", "assets": ""}, **extra}  # fmt: skip

    def project_answer(self) -> httpx.Response:
        self.project_polls += 1
        steps = [{**s, "job_id": f"job-{s['id']}"} for s in self.steps]
        if self.project_polls == 1:  # planned, one step running
            jobs = [job(f"job-{self.steps[0]['id']}", "running", progress=0.4, step_id=self.steps[0]["id"])]
            body = {"project": self.project("running"), "steps": steps, "jobs": jobs, "assets": []}
            return httpx.Response(200, json=body)
        jobs = []
        for step in self.steps:
            outputs = []
            if step["name"] == "compose":
                outputs = [asset(f"film-{role}", role, ctype) for role, ctype in
                           (("video", "video/mp4"), ("srt", "application/x-subrip"), ("vtt", "text/vtt"),
                            ("poster", "image/png"))]  # fmt: skip
            jobs.append(
                job(f"job-{step['id']}", "completed", outputs, step_id=step["id"], result={"duration_seconds": 9.5})
            )
        result = {"duration_seconds": 9.5}
        body = {"project": self.project("completed", result=result), "steps": steps, "jobs": jobs, "assets": []}
        return httpx.Response(200, json=body)


@contextmanager
def serve_over_http(gateway: FakeGateway) -> Iterator[str]:
    """The scripted gateway on a loopback HTTP port (for code that builds its own HTTP client, like the CLI)."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            request = httpx.Request(
                self.command, f"http://gateway{self.path}", headers=dict(self.headers), content=self.rfile.read(length)
            )
            response = gateway.handle(request)
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
