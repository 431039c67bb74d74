"""`studio serve <service>`: run a model server or the gateway."""

from __future__ import annotations

from typing import Annotated

import typer

from studio.cli.errors import fail, reported_errors, run_async
from studio.core.logging import configure_logging
from studio.core.registry import GATEWAY_PORT, SERVICES


def serve(
    service: Annotated[str, typer.Argument(help=f"One of: {', '.join([*SERVICES, 'gateway'])}")],
    port: Annotated[int | None, typer.Option(help="gRPC port (HTTP port for the gateway)")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Prometheus /metrics port (model servers)")] = None,
) -> None:
    """Run a model server (gRPC + job worker + metrics) or the REST gateway."""
    # Logging first, before heavy imports, so everything logs as JSON.
    from studio.core.settings import StudioSettings, load_settings

    with reported_errors():
        settings = load_settings(StudioSettings)
    configure_logging(service, settings.log_level, settings.log_format)
    if service == "gateway":
        from studio.gateway.server import event_loop, serve_gateway

        run_async(serve_gateway(port or GATEWAY_PORT), loop_factory=event_loop)
        return
    if service not in SERVICES:
        fail(f"unknown service {service!r}; choose one of: {', '.join([*SERVICES, 'gateway'])}", 2)
    from studio.core.runtime import serve_service

    run_async(serve_service(service, port, metrics_port))


def register(app: typer.Typer) -> None:
    app.command()(serve)
