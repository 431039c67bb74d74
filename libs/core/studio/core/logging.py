"""JSON-lines logging carrying job_id / request_id from context variables.

Configured once, first thing in every process, before heavy imports, so even
import-time warnings come out as JSON.
"""

from __future__ import annotations

import contextvars
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from pythonjsonlogger.json import JsonFormatter

job_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")

_service = "studio"


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.service = _service
        record.job_id = job_id_var.get()
        record.request_id = request_id_var.get()
        return True


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Route every logger to stderr as JSON lines (or plain text for humans)."""
    global _service
    _service = service
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(job_id)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Libraries that log every retry: their failures surface as StudioErrors instead.
    for noisy in ("urllib3", "botocore", "nats", "httpx", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


@contextmanager
def log_context(*, job_id: str = "", request_id: str = "") -> Iterator[None]:
    """Attach ids to every log line emitted inside the block (and its tasks)."""
    tokens = []
    if job_id:
        tokens.append((job_id_var, job_id_var.set(job_id)))
    if request_id:
        tokens.append((request_id_var, request_id_var.set(request_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
