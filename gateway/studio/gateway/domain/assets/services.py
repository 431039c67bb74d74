"""Deleting an asset: its row and its stored object, all or nothing."""

from __future__ import annotations

import uuid

from studio.core.errors import FailedPrecondition
from studio.gateway.context import Gateway
from studio.gateway.jobs.removal import check_unused, delete_objects


async def delete_asset(gateway: Gateway, owner_id: uuid.UUID, asset_id: uuid.UUID) -> None:
    """Refused (409) while an unfinished job reads it, for a production step's output (the project's
    next version recalls it) and for a voice's profile (delete the voice)."""
    async with gateway.pool.acquire() as conn, conn.transaction():
        row = await gateway.assets.lock(conn, owner_id, asset_id)
        if row["job_id"] is not None:
            job = await gateway.jobs.find(row["job_id"], conn)
            if job is not None and job["step_id"] is not None:
                raise FailedPrecondition(
                    f"asset {asset_id} is an output of project {job['project_id']}'s production; delete the "
                    "project instead"
                )
            voice = await gateway.voices.of_job(conn, row["job_id"])
            if voice is not None and row["type"] == "voice_profile":
                raise FailedPrecondition(f"asset {asset_id} is voice {voice}'s profile; delete the voice instead")
        await check_unused(gateway, conn, owner_id, [row])
        await gateway.assets.delete_with_job(conn, owner_id, asset_id, None)
        await delete_objects(gateway, conn, [row])
