"""`JobStepExecutor`: each pipeline step is a generation job keyed by (project, step id).

The job id is derived from the key, so running the same step again finds the same
row: a completed step returns its stored result at once (a resumed production
skips finished work), an unfinished one is awaited, and a failed one is queued
again (its next dispatch gets a new JetStream message id, so it really runs).
"""

from __future__ import annotations

import uuid
from typing import Any

from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.message import Message

from studio.core.errors import StudioError
from studio.gateway.context import Gateway
from studio.gateway.jobs.errors import job_error
from studio.gateway.jobs.submit import store_job
from studio.gateway.jobs.waiting import follow_job
from studio.gateway.protojson import unpack_any
from studio.gateway.providers.pricing import job_cost
from studio.pipeline.steps import Step
from studio.v1.common_pb2 import Progress

#: Namespace of step job ids: uuid5(namespace, "<project id>/<step id>").
STEP_NAMESPACE = uuid.UUID("6f1d2c1e-3b7a-5e0f-9a4d-2b8c7e5f1a30")


def step_job_id(project_id: uuid.UUID, step_id: str) -> uuid.UUID:
    return uuid.uuid5(STEP_NAMESPACE, f"{project_id}/{step_id}")


class JobStepExecutor:
    def __init__(self, gateway: Gateway, owner_id: uuid.UUID, project_id: uuid.UUID) -> None:
        self.gateway = gateway
        self.owner_id = owner_id
        self.project_id = project_id

    async def run(self, step: Step) -> Any:
        job_id = step_job_id(self.project_id, step.id)
        row = await self._ensure_job(step, job_id)
        async for update in follow_job(self.gateway, self.owner_id, job_id, known_status=row["status"]):
            if update.kind == "progress":
                await step.report(Progress(fraction=update.fraction, stage=update.stage, message=update.message))
        row = await self.gateway.jobs.get(self.owner_id, job_id)
        if row["status"] == "completed":
            return await self._result(job_id)
        raise job_error(row)

    async def _estimate(self, step: Step) -> float | None:
        """What the step reserves of the budget while it runs; None when its service cannot say now
        (the production was admitted against the budget as a whole; this only keeps the books)."""
        if step.service == "composer":
            return 0.0
        try:
            return (await job_cost(self.gateway, step.service, step.rpc, step.request)).usd
        except StudioError:
            return None

    async def _ensure_job(self, step: Step, job_id: uuid.UUID) -> Any:
        """The step's job: created queued if new, re-queued if it had failed, else as it is."""
        existing = await self.gateway.jobs.find(job_id)
        estimate = await self._estimate(step) if existing is None or existing["status"] != "completed" else None
        async with self.gateway.pool.acquire() as conn, conn.transaction():
            row = await self.gateway.jobs.find(job_id, conn, lock=True)
            if row is None:
                row = await store_job(
                    conn,
                    self.gateway,
                    owner_id=self.owner_id,
                    service=step.service,
                    rpc=step.rpc,
                    request=step.request,
                    job_id=job_id,
                    project_id=self.project_id,
                    step_id=step.id,
                    estimated_usd=estimate,
                )
            elif row["status"] in ("failed", "cancelled"):
                row = await self.gateway.jobs.requeue(conn, job_id)
        self.gateway.dispatch_waker.wake()
        return row

    async def _result(self, job_id: uuid.UUID) -> Message:
        packed = await self.gateway.jobs.result_any(job_id)
        assert packed is not None
        return unpack_any(AnyMessage.FromString(packed))
