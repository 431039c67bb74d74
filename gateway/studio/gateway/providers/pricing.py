"""Prices asked of the model servers (studio.v1.CostService): their backends, their STUDIO_PRICES.

The gateway never prices anything itself: a service's default backend and price overrides
are that service's configuration, so the estimate of a job or a production is what the
services that would run it say.
"""

from __future__ import annotations

from google.protobuf.message import Message

from studio.gateway.context import Gateway
from studio.pipeline.estimate import Estimate, estimate_steps_async
from studio.pipeline.media import ResolvedScreenplay
from studio.pipeline.screenplay import Screenplay
from studio.v1.common_pb2 import Cost


async def job_cost(gateway: Gateway, service: str, rpc: str, request: Message) -> Cost:
    """What one job would cost, priced by its service (Unavailable when the service does not answer)."""
    return await gateway.client(service).estimate(rpc, request)


async def production_cost(gateway: Gateway, screenplay: Screenplay | ResolvedScreenplay) -> Estimate:
    """Every step of a production priced by the service that would run it (unresolved media stand in)."""

    async def price(service: str, rpc: str, request: Message) -> Cost:
        return await job_cost(gateway, service, rpc, request)

    return await estimate_steps_async(screenplay, price)
