"""Runs a JobWorker for the fake service in its own process (killed with SIGKILL by a test)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.jobs import JobTransport, JobWorker
from studio.core.settings import StudioSettings
from tests.core.fake_service import build_fake_service


async def main(prefix: str, calls_dir: str, artifacts_dir: str) -> None:
    settings = StudioSettings(nats_prefix=prefix, job_ack_wait=2.0, job_retry_delay=0.2, job_max_deliver=3)
    transport = await JobTransport.connect(settings)
    worker = JobWorker(transport, build_fake_service(Path(calls_dir)), LocalArtifactStore(Path(artifacts_dir)))
    await worker.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
