"""A local HTTP server playing an LLM API: answers scripted replies and records the requests."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeLLM:
    """Replies are (status, JSON body) pairs served in order."""

    replies: list[tuple[int, Any]]
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""


@contextmanager
def fake_llm_server(replies: list[tuple[int, Any]]) -> Iterator[FakeLLM]:
    fake = FakeLLM(list(replies))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, reply = fake.replies.pop(0) if fake.replies else (500, {"error": "no more replies"})
            data = json.dumps(reply).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def openai_reply(content: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    return {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": message}]}


def anthropic_reply(text: str) -> dict[str, Any]:
    return {"id": "msg", "type": "message", "role": "assistant", "content": [{"type": "text", "text": text}]}
