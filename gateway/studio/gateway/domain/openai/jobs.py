"""OpenAI answers synchronously: wait for the studio job, then read what it made."""

from __future__ import annotations

import uuid
from typing import Any

from studio.gateway.context import Gateway
from studio.gateway.domain.jobs.services import job_error, wait_for_job
from studio.gateway.domain.openai.errors import StillRunning


async def finished(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> Any:
    """The job's row once completed; else the job's own error, or StillRunning when the wait ran out."""
    row = await wait_for_job(gateway, owner_id, job_id, gateway.settings.openai_wait_seconds)
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
    return list(
        await gateway.pool.fetch(
            "SELECT * FROM media_assets WHERE job_id = $1 AND type = $2 ORDER BY role, created_at", job_id, kind
        )
    )
