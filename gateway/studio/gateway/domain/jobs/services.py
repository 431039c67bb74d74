"""Deleting a job from the history: its row, its outputs' rows and their stored objects, all or nothing."""

from __future__ import annotations

import uuid

from studio.core.errors import FailedPrecondition
from studio.gateway.context import Gateway
from studio.gateway.jobs.removal import check_unused, delete_objects


async def delete_job(gateway: Gateway, owner_id: uuid.UUID, job_id: uuid.UUID) -> None:
    """Refused (409) while the job runs, for a production step and for a voice's registration."""
    async with gateway.pool.acquire() as conn, conn.transaction():
        await gateway.jobs.get(owner_id, job_id, conn)  # another owner's: 404
        voice = await gateway.voices.of_job(conn, job_id)
        if voice is not None:
            raise FailedPrecondition(f"job {job_id} registered voice {voice}; delete the voice instead")
        outputs = (await gateway.assets.of_jobs([job_id], conn))[job_id]
        await gateway.jobs.delete_finished(conn, owner_id, job_id)  # its assets' rows go with it
        await check_unused(gateway, conn, owner_id, outputs)
        await delete_objects(gateway, conn, outputs)
