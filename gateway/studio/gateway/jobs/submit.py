"""Accepting a job: stored `queued` in Postgres first, handed to JetStream by the dispatcher later,
so an accepted job survives a crash at any point."""

from __future__ import annotations

import uuid

import asyncpg
from google.protobuf.message import Message

from studio.core.errors import NotFound
from studio.gateway.context import Gateway
from studio.gateway.http.targets import check_target
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.schemas import WebhookRequest
from studio.gateway.protojson import to_json
from studio.gateway.providers.budget import refuse_if_over
from studio.gateway.providers.pricing import job_cost
from studio.gateway.store.base import Db
from studio.gateway.store.jobs import job_type


async def store_job(
    conn: Db,
    gateway: Gateway,
    *,
    owner_id: uuid.UUID,
    service: str,
    rpc: str,
    request: Message,
    job_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    step_id: str | None = None,
    webhook: WebhookRequest | None = None,
    estimated_usd: float | None = None,
) -> asyncpg.Record:
    """Store a queued job with its priority (the caller wakes the dispatcher once its transaction commits)."""
    return await gateway.jobs.submit(
        conn,
        owner_id=owner_id,
        service=service,
        rpc=rpc,
        request=request,
        parameters=to_json(request),
        priority=gateway.settings.priority(service, job_type(service, rpc)),
        job_id=job_id,
        project_id=project_id,
        step_id=step_id,
        webhook_url=webhook.url if webhook else None,
        webhook_events=list(webhook.events) if webhook else None,
        estimated_usd=estimated_usd,
    )


async def owned_project(gateway: Gateway, owner_id: uuid.UUID, project_id: str | None) -> uuid.UUID | None:
    """The caller's project named in a request (None when none is named); another tenant's is not found."""
    if project_id is None:
        return None
    project_uuid = parse_uuid(project_id, "project")
    if not await gateway.projects.owned(owner_id, project_uuid):
        raise NotFound(f"project {project_id} not found")
    return project_uuid


async def submit_job(
    gateway: Gateway,
    owner_id: uuid.UUID,
    service: str,
    rpc: str,
    request: Message,
    *,
    project_id: str | None = None,
    webhook: WebhookRequest | None = None,
) -> uuid.UUID:
    """Validate the job's surroundings (project, webhook), store it queued and wake the dispatcher.

    Under a monthly budget the job is priced by its service first, then checked and stored in one
    transaction holding the owner's budget lock (402 and nothing stored when it does not fit).
    """
    if webhook is not None:
        await check_target(webhook.url, gateway.settings.allow_private_webhooks)
    project = await owned_project(gateway, owner_id, project_id)
    if await gateway.budget.monthly(owner_id) is None:
        row = await store_job(
            gateway.pool, gateway, owner_id=owner_id, service=service, rpc=rpc, request=request,
            project_id=project, webhook=webhook,
        )  # fmt: skip
    else:
        estimate = (await job_cost(gateway, service, rpc, request)).usd
        async with gateway.pool.acquire() as conn, conn.transaction():
            refuse_if_over(await gateway.budget.state(conn, owner_id, lock=True), estimate)
            row = await store_job(
                conn, gateway, owner_id=owner_id, service=service, rpc=rpc, request=request,
                project_id=project, webhook=webhook, estimated_usd=estimate,
            )  # fmt: skip
    gateway.dispatch_waker.wake()
    job_id: uuid.UUID = row["id"]
    return job_id
