"""`studio health ADDR...`: gRPC health of model servers (for scripts, compose and probes)."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import grpc
import typer
from grpc_health.v1 import health_pb2, health_pb2_grpc

from studio.cli.errors import fail


async def _status(address: str, service: str) -> str:
    try:
        async with grpc.aio.insecure_channel(address) as channel:
            response = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=3
            )
    except grpc.aio.AioRpcError as error:
        return error.code().name
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))


async def _wait_all(addresses: list[str], service: str, wait: float) -> dict[str, str]:
    deadline = time.monotonic() + wait
    while True:
        statuses = dict(zip(addresses, await asyncio.gather(*(_status(a, service) for a in addresses)), strict=True))
        if all(s == "SERVING" for s in statuses.values()) or time.monotonic() >= deadline:
            return statuses
        await asyncio.sleep(0.5)


def health(
    addresses: Annotated[list[str], typer.Argument(help="host:port of each gRPC server")],
    service: Annotated[str, typer.Option(help="Service name to check; empty = the whole server")] = "",
    wait: Annotated[float, typer.Option(help="Seconds to keep trying until all are SERVING")] = 0.0,
) -> None:
    """Exit 0 when every server reports SERVING, else print who is not and exit 1."""
    statuses = asyncio.run(_wait_all(addresses, service, wait))
    bad = {a: s for a, s in statuses.items() if s != "SERVING"}
    if bad:
        fail(", ".join(f"{a} is {s}" for a, s in bad.items()))
    for address in addresses:
        typer.echo(f"{address} SERVING")


def register(app: typer.Typer) -> None:
    app.command()(health)
