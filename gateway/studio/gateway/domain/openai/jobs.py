"""OpenAI answers synchronously: wait for the studio job, then read what it made."""

from __future__ import annotations

import uuid
from typing import Any

from studio.gateway.context import Gateway
from studio.gateway.domain.openai.errors import StillRunning
from studio.gateway.jobs.errors import job_error
from studio.gateway.jobs.waiting import wait_for_job


async def finished(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> Any:
    """The job's row once completed; else the job's own error, or StillRunning when the wait ran out."""
    update = await wait_for_job(gateway, owner_id, job_id, gateway.settings.openai_wait_seconds)
    row = update.job or await gateway.jobs.get(owner_id, job_id)
    if row["status"] == "completed":
        return row
    if row["status"] in ("failed", "cancelled"):
        raise job_error(row)
    raise StillRunning(
        f"job {job_id} did not finish within {gateway.settings.openai_wait_seconds:.0f}s; "
        f"it continues: follow it at /api/v1/jobs/{job_id}"
    )


async def output_assets(gateway: Gateway, job_id: uuid.UUID, kind: str) -> list[Any]:
    """The job's outputs of one type ("audio", "image"), in a stable order."""
    return [asset for asset in await gateway.assets.of_job(job_id) if asset["type"] == kind]
