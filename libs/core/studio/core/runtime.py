"""`studio serve <service>`: wire settings, storage, transport, server and worker, then run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from studio.core.artifacts import open_store
from studio.core.errors import ConfigError
from studio.core.gpu_lease import close_leases, enable_leases
from studio.core.grpc_server import ModelServer
from studio.core.jobs import JobTransport, JobWorker
from studio.core.metrics import serve_metrics
from studio.core.operations import ServiceDefinition
from studio.core.registry import service_spec
from studio.core.settings import StudioSettings, load_settings

log = logging.getLogger(__name__)

STARTUP_CHECK_TIMEOUT = 8.0


async def _checked(step: str, awaitable: object) -> object:
    try:
        return await asyncio.wait_for(awaitable, STARTUP_CHECK_TIMEOUT)  # type: ignore[arg-type]
    except TimeoutError:
        raise ConfigError(f"{step} did not answer within {STARTUP_CHECK_TIMEOUT:.0f}s") from None


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


async def serve_service(
    name: str,
    port: int | None = None,
    metrics_port: int | None = None,
    *,
    stop: asyncio.Event | None = None,
) -> None:
    """Run a model server until SIGTERM/SIGINT (or `stop`), then shut down gracefully."""
    spec = service_spec(name)
    settings = load_settings(StudioSettings)
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)

    artifacts = open_store(settings)
    await _checked(f"artifact store ({settings.artifacts})", artifacts.check())
    transport: JobTransport | None = None
    if settings.worker_enabled:
        transport = await _checked(  # type: ignore[assignment]
            f"NATS at {settings.nats_url} (STUDIO_NATS_URL)", JobTransport.connect(settings)
        )
    if transport is not None:  # model servers sharing a GPU take turns through a lease in NATS
        enable_leases(transport.nc, settings.nats_prefix, name)
    definition: ServiceDefinition = spec.load_factory()(artifacts)

    server = ModelServer(definition, artifacts, port if port is not None else spec.port, host=settings.host)
    metrics_host = settings.metrics_host or settings.host
    metrics_port = metrics_port if metrics_port is not None else spec.metrics_port
    try:
        serve_metrics(metrics_port, metrics_host)
    except OSError as error:
        raise ConfigError(f"cannot serve metrics on {metrics_host}:{metrics_port}: {error.strerror}") from None
    await server.start()
    log.info("%s listening on %s:%d (metrics on %s:%d)", name, settings.host, server.port, metrics_host, metrics_port)
    worker_task: asyncio.Task[None] | None = None
    try:
        await server.load_backends()
        if transport is not None:
            worker = JobWorker(
                transport,
                definition,
                artifacts,
                concurrency=settings.worker_concurrency,
                shutdown_grace=settings.shutdown_grace,
            )
            worker_task = asyncio.create_task(worker.run(stop))
            worker_task.add_done_callback(lambda _: stop.set())  # a dead worker stops the process
        await stop.wait()
        log.info("%s shutting down", name)
    finally:
        stop.set()
        if worker_task is not None:
            await worker_task
        await server.stop(settings.shutdown_grace)
        await close_leases()
        if transport is not None:
            await transport.close()
