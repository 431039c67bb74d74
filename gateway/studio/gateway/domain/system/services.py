"""Readiness checks: Postgres, NATS, the artifact store and every model server's gRPC health."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from studio.core.registry import SERVICES
from studio.gateway.context import Gateway

CHECK_TIMEOUT = 3.0


async def _check(awaitable: Awaitable[Any], timeout: float = CHECK_TIMEOUT) -> dict[str, Any]:
    try:
        detail = await asyncio.wait_for(awaitable, timeout)
    except TimeoutError:
        return {"ok": False, "detail": f"no answer within {timeout:.0f}s"}
    except grpc.aio.AioRpcError as error:
        return {"ok": False, "detail": f"{error.code().name}: {error.details()}"}
    except Exception as error:  # noqa: BLE001 - any failure means "not ready", reported as text
        return {"ok": False, "detail": str(error) or type(error).__name__}
    return {"ok": True, "detail": detail or "ok"}


async def _postgres(gateway: Gateway) -> str:
    await gateway.pool.fetchval("SELECT 1")
    return "ok"


async def _nats(gateway: Gateway) -> str:
    if not gateway.transport.nc.is_connected:
        raise ConnectionError("not connected")
    await gateway.transport.js.account_info()
    return "ok"


async def _artifacts(gateway: Gateway) -> str:
    await gateway.artifacts.check()
    return gateway.settings.artifacts


async def _service(gateway: Gateway, name: str) -> str:
    stub = health_pb2_grpc.HealthStub(gateway.client(name).channel)
    response = await stub.Check(
        health_pb2.HealthCheckRequest(service=SERVICES[name].grpc_service), timeout=gateway.settings.grpc_health_timeout
    )
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
    if response.status != health_pb2.HealthCheckResponse.SERVING:
        raise ConnectionError(f"{status} at {gateway.settings.service_addr(name)}")
    return status


async def readiness(gateway: Gateway) -> tuple[bool, dict[str, dict[str, Any]]]:
    names = ["postgres", "nats", "artifacts", *SERVICES]
    checks = await asyncio.gather(
        _check(_postgres(gateway)),
        _check(_nats(gateway)),
        _check(_artifacts(gateway)),
        *(_check(_service(gateway, name)) for name in SERVICES),
    )
    results = dict(zip(names, checks, strict=True))
    required = names if gateway.settings.ready_requires_services else names[:3]
    return all(results[name]["ok"] for name in required), results


async def providers_report(gateway: Gateway) -> dict[str, dict[str, Any]]:
    """The hosted providers' reachability (never part of readiness: a provider down is reported, not fatal)."""
    return await gateway.provider_probe.report(gateway.settings.providers)
