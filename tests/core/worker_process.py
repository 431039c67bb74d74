"""Runs a JobWorker for the fake service in its own process (killed with SIGKILL by a test).

    worker_process.py PREFIX CALLS_DIR ARTIFACTS_DIR [DIE_AT] [ACK_WAIT]

DIE_AT makes the process SIGKILL itself at the worst moments of finishing a job:
  ack    - after the completion is recorded and published, instead of acknowledging it;
  record - after the outputs are written, instead of recording the completion.
ACK_WAIT "default" runs with the shipped job_ack_wait instead of the tests' 2 s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from nats.aio.msg import Msg

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.jobs import JobTransport, JobWorker
from studio.core.settings import StudioSettings
from tests.core.fake_service import build_fake_service


def _die(*_: Any, **__: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def inject_death(die_at: str) -> None:
    if die_at == "ack":
        Msg.ack = _die  # type: ignore[method-assign,assignment]
    elif die_at == "record":
        JobTransport.record_outcome = _die  # type: ignore[method-assign,assignment]
    elif die_at:
        raise SystemExit(f"unknown DIE_AT {die_at!r}")


async def main(prefix: str, calls_dir: str, artifacts_dir: str, die_at: str = "", ack_wait: str = "2") -> None:
    inject_death(die_at)
    timing: dict[str, Any] = {} if ack_wait == "default" else {"job_ack_wait": float(ack_wait)}
    settings = StudioSettings(nats_prefix=prefix, job_retry_delay=0.2, job_max_deliver=3, **timing)
    transport = await JobTransport.connect(settings)
    worker = JobWorker(transport, build_fake_service(Path(calls_dir)), LocalArtifactStore(Path(artifacts_dir)))
    await worker.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
