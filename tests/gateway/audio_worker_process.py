"""Runs a JobWorker for the gateway tests' fake audio service in its own process (a test kills it).

    audio_worker_process.py PREFIX ARTIFACTS_DIR BUCKET [DIE_AT]

DIE_AT makes the process SIGKILL itself at the worst moments of finishing a job (see
tests/core/worker_process.py): `ack` after the completion is recorded and published, `record`
after the outputs are written.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.jobs import JobTransport, JobWorker
from studio.core.settings import StudioSettings
from tests.conftest import NATS_URL
from tests.core.worker_process import inject_death
from tests.gateway.fakes import audio_service


async def main(prefix: str, artifacts_dir: str, bucket: str, die_at: str = "") -> None:
    inject_death(die_at)
    settings = StudioSettings(
        nats_url=NATS_URL, nats_prefix=prefix, job_ack_wait=2.0, job_retry_delay=0.2, job_max_deliver=3
    )
    transport = await JobTransport.connect(settings)
    artifacts = LocalArtifactStore(Path(artifacts_dir), bucket)
    worker = JobWorker(transport, audio_service(artifacts), artifacts)
    print("pulling", flush=True)
    await worker.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
