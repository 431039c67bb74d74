"""`studio serve gateway`: migrate, connect, assemble, then serve REST beside the background loops.

`assemble` builds every long-lived object and wires what crosses domains: the effects of
a job's end, registered by job type, and the production runner. Nothing else imports them.

Start-up fails fast with one line when Postgres, NATS or the artifact store is
misconfigured or unreachable. SIGTERM/SIGINT stop accepting requests, let in-flight
ones finish, stop the loops, and close connections; running productions stay
`running` in Postgres and resume at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
import signal
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import asyncpg
import uvicorn
import uvloop

from studio.core.artifacts import open_store
from studio.core.artifacts.base import ArtifactStore
from studio.core.errors import ConfigError
from studio.core.jobs import JobTransport
from studio.core.providers.credentials import secret_key
from studio.gateway.app import create_app
from studio.gateway.background.dispatcher import Dispatcher
from studio.gateway.background.events import EventsConsumer
from studio.gateway.background.job_changes import JobChangeListener
from studio.gateway.background.webhooks import WebhookSender
from studio.gateway.context import Gateway
from studio.gateway.db.migrate import migrate
from studio.gateway.db.pool import create_pool
from studio.gateway.domain.audio.effects import REGISTER_VOICE, VoiceRegistration
from studio.gateway.domain.studio.templates import load_templates, templates_dir
from studio.gateway.domain.webhooks.effects import WebhookOutbox
from studio.gateway.metrics_listener import metrics_app
from studio.gateway.production.runner import ProjectRunner
from studio.gateway.providers.keyring import KeyRing
from studio.gateway.settings import GatewaySettings, gateway_settings

log = logging.getLogger(__name__)

STARTUP_CHECK_TIMEOUT = 10.0
#: Allocations between young-generation collections (Python's default is 700): a request allocates
#: hundreds of short-lived objects, so the default collects every few requests.
YOUNG_OBJECTS_BEFORE_GC = 10_000
T = TypeVar("T")


async def _checked(step: str, awaitable: Awaitable[T]) -> T:
    try:
        return await asyncio.wait_for(awaitable, STARTUP_CHECK_TIMEOUT)
    except TimeoutError:
        raise ConfigError(f"{step} did not answer within {STARTUP_CHECK_TIMEOUT:.0f}s") from None


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the gateway's stop event drives shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)


def assemble(
    settings: GatewaySettings,
    pool: asyncpg.Pool,
    transport: JobTransport,
    artifacts: ArtifactStore,
    jwt_secret: str,
) -> tuple[Gateway, ProjectRunner]:
    """The gateway context with its cross-domain wiring, and the production runner it starts projects on."""
    gateway = Gateway(settings, pool, transport, artifacts, jwt_secret)
    gateway.effects.on(REGISTER_VOICE, VoiceRegistration(gateway.voices).finish)
    outbox = WebhookOutbox(gateway)
    gateway.effects.on_every(outbox.enqueue)
    gateway.production_effects.on_end(outbox.enqueue_project)
    runner = ProjectRunner(gateway)
    gateway.productions = runner
    return gateway, runner


async def open_gateway(settings: GatewaySettings) -> tuple[Gateway, ProjectRunner]:
    """Migrate the database and connect everything the gateway needs (ConfigError on failure)."""
    load_templates(templates_dir(settings.templates_dir))  # a bad STUDIO_TEMPLATES_DIR or template file stops here
    KeyRing(settings.provider_keys_secret.get_secret_value())  # so does a malformed STUDIO_PROVIDER_KEYS_SECRET
    credentials = settings.providers.provider_credentials_secret.get_secret_value()
    if credentials:
        secret_key(credentials)  # and STUDIO_PROVIDER_CREDENTIALS_SECRET
    await _checked("Postgres (STUDIO_DATABASE_URL)", migrate(settings.database_url))
    pool = await _checked("Postgres (STUDIO_DATABASE_URL)", create_pool(settings.database_url, settings.db_pool_size))
    try:
        artifacts = open_store(settings)
        await _checked(f"artifact store ({settings.artifacts})", artifacts.check())
        transport = await _checked(f"NATS at {settings.nats_url} (STUDIO_NATS_URL)", JobTransport.connect(settings))
    except BaseException:
        await pool.close()
        raise
    if not settings.jwt_secret:
        log.warning(
            "STUDIO_JWT_SECRET is not set: web UI tokens are signed with a random key and die with this process"
        )
    return assemble(settings, pool, transport, artifacts, settings.jwt_secret or secrets.token_urlsafe(32))


async def close_gateway(gateway: Gateway, runner: ProjectRunner) -> None:
    await runner.stop()
    await gateway.close_clients()
    await gateway.transport.close()
    await gateway.pool.close()


async def run_gateway(
    port: int,
    settings: GatewaySettings,
    stop: asyncio.Event,
    *,
    on_ready: Callable[[Gateway, int], Any] | None = None,
) -> None:
    """Serve until `stop` is set. `on_ready` gets the context and the bound port (tests use port 0)."""
    gateway, runner = await open_gateway(settings)
    config = uvicorn.Config(
        create_app(gateway),
        host=settings.host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.shutdown_grace),
        # Longer than the idle timeout of common clients and balancers, so the server is never the side
        # that closes a keep-alive connection just as a client reuses it.
        timeout_keep_alive=75,
        server_header=False,
    )
    server = _Server(config)
    loops = [
        asyncio.create_task(Dispatcher(gateway).run(stop), name="dispatcher"),
        asyncio.create_task(EventsConsumer(gateway).run(stop), name="events"),
        asyncio.create_task(WebhookSender(gateway).run(stop), name="webhooks"),
        asyncio.create_task(JobChangeListener(gateway).run(stop), name="job-changes"),
    ]
    for task in loops:  # a dead loop stops the process rather than leaving it half-working
        task.add_done_callback(lambda t: stop.set() if not t.cancelled() and t.exception() else None)
    serving = asyncio.create_task(server.serve(), name="http")
    metrics_server: _Server | None = None
    if settings.gateway_metrics_port:
        metrics_host = settings.metrics_host or settings.host
        metrics_server = _Server(
            uvicorn.Config(
                metrics_app(gateway),
                host=metrics_host,
                port=settings.gateway_metrics_port,
                log_config=None,
                access_log=False,
                lifespan="off",
                server_header=False,
            )
        )
        loops.append(asyncio.create_task(metrics_server.serve(), name="metrics"))
    try:
        if metrics_server is not None:
            while not metrics_server.started and not loops[-1].done():
                await asyncio.sleep(0.02)
            if loops[-1].done():
                where = f"{settings.metrics_host or settings.host}:{settings.gateway_metrics_port}"
                raise ConfigError(f"cannot serve /metrics on {where} (STUDIO_GATEWAY_METRICS_PORT in use?)")
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)
        if serving.done():
            serving.result()
            raise ConfigError(f"cannot listen on {settings.host}:{port} (port in use? pass --port)")
        bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
        log.info("gateway listening on :%d", bound)
        resumed = await runner.resume_all()
        if resumed:
            log.info("resumed %d unfinished productions", resumed)
        if on_ready is not None:
            on_ready(gateway, bound)
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        log.info("gateway shutting down")
    finally:
        stop.set()
        server.should_exit = True
        if metrics_server is not None:
            metrics_server.should_exit = True
        gateway.dispatch_waker.wake()
        gateway.webhook_waker.wake()
        with contextlib.suppress(Exception):
            await serving
        for task in loops:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(task, 10)
        for task in loops:
            if not task.done():
                task.cancel()
        await close_gateway(gateway, runner)
        failed = [t for t in loops if t.done() and not t.cancelled() and t.exception() is not None]
        for task in failed:
            log.error("%s loop failed", task.get_name(), exc_info=task.exception())


def _freeze_startup_objects() -> None:
    """Keep what start-up built (modules, the app, schemas, descriptors: most objects the process will
    ever hold) out of the garbage collector's full passes. Otherwise each of them walks it all and
    stops every request for up to ~100 ms under load, which was most of the benchmark's p99. Young
    collections then run every YOUNG_OBJECTS_BEFORE_GC allocations: under load the default ran one
    every few requests (in benchmarks.gateway the collector's time per run fell from ~200 to ~70 ms)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS_BEFORE_GC, *gc.get_threshold()[1:])


def event_loop() -> asyncio.AbstractEventLoop:
    """The gateway's event loop: uvloop, whose socket I/O in C is what asyncpg and uvicorn are fastest on."""
    return uvloop.new_event_loop()


async def serve_gateway(port: int) -> None:
    """Run the gateway until SIGTERM/SIGINT (what `studio serve gateway` calls)."""
    settings = gateway_settings()
    stop = asyncio.Event()
    _stop_on_signals(stop)
    await run_gateway(port, settings, stop, on_ready=lambda _gateway, _port: _freeze_startup_objects())
