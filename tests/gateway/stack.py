"""A whole studio for gateway tests, running in a background thread with its own event loop.

Model servers are real gRPC servers (ModelServer) with real JetStream workers; the
gateway is the real `run_gateway` (uvicorn on a loopback port) over a fresh Postgres
database and a NATS prefix of its own. Tests talk to it over HTTP, as clients do.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

from studio.core.artifacts.base import ArtifactStore
from studio.core.artifacts.local import LocalArtifactStore
from studio.core.artifacts.s3 import S3ArtifactStore
from studio.core.grpc_server import ModelServer
from studio.core.jobs import JobTransport, JobWorker
from studio.core.operations import ServiceDefinition
from studio.core.settings import StudioSettings
from studio.gateway.context import Gateway
from studio.gateway.server import run_gateway
from studio.gateway.settings import GatewaySettings

ServiceFactory = Callable[[ArtifactStore], ServiceDefinition]
#: Tries to bind the gateway on a fresh free port when another process took the first one.
BIND_ATTEMPTS = 3
S3_CREDENTIALS = {"s3_access_key": "test-key", "s3_secret_key": "test-secret", "s3_bucket": "studio-stack"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


class Stack:
    def __init__(
        self,
        *,
        database_url: str,
        nats_url: str,
        artifacts_dir: Path,
        services: dict[str, ServiceFactory],
        gateway_overrides: dict[str, Any] | None = None,
        worker_concurrency: int = 8,
        s3_endpoint: str | None = None,
    ) -> None:
        """`s3_endpoint` (an S3 API on loopback, e.g. moto's server): artifacts live there, else in `artifacts_dir`."""
        self.prefix = f"gw{uuid.uuid4().hex[:10]}"
        self.worker_settings = StudioSettings(
            nats_url=nats_url,
            nats_prefix=self.prefix,
            artifacts="local",
            artifacts_dir=artifacts_dir,
            job_ack_wait=5.0,
            job_retry_delay=0.1,
            job_max_deliver=2,
            shutdown_grace=2.0,
        )
        self.services = services
        self.worker_concurrency = worker_concurrency
        self.artifacts: ArtifactStore = (
            S3ArtifactStore(
                s3_endpoint,
                S3_CREDENTIALS["s3_access_key"],
                S3_CREDENTIALS["s3_secret_key"],
                S3_CREDENTIALS["s3_bucket"],
            )
            if s3_endpoint
            else LocalArtifactStore(artifacts_dir, self.worker_settings.s3_bucket)
        )
        store_fields = (
            {"artifacts": "s3", "s3_endpoint": s3_endpoint, **S3_CREDENTIALS}
            if s3_endpoint
            else {"artifacts": "local", "artifacts_dir": artifacts_dir}
        )
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._gateway_fields = {
            "database_url": database_url,
            "nats_url": nats_url,
            "nats_prefix": self.prefix,
            **store_fields,
            "host": "127.0.0.1",
            "log_format": "text",
            "shutdown_grace": 2.0,
            "dispatch_interval": 0.5,
            **(gateway_overrides or {}),
        }
        self.gateway: Gateway | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._stop_all: asyncio.Event | None = None
        self._stop_gateway: asyncio.Event | None = None
        self._gateway_task: asyncio.Task[None] | None = None
        self.settings: GatewaySettings | None = None

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> Stack:
        self._thread = threading.Thread(target=self._thread_main, name="gateway-stack", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the test stack did not start in time")
        if self._error is not None:
            raise RuntimeError(f"the test stack failed to start: {self._error!r}") from self._error
        return self

    def stop(self) -> None:
        if self.loop is not None and self._stop_all is not None:
            self.loop.call_soon_threadsafe(self._stop_all.set)
        if self._thread is not None:
            self._thread.join(30)

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
        """Run a coroutine on the stack's loop (e.g. to poke at the gateway context)."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def restart_gateway(self, while_down: Callable[[], None] | None = None) -> None:
        """Stop the gateway (services keep working), optionally do something, and start a new one."""
        self.call(self._stop_gateway_now())
        if while_down is not None:
            while_down()
        self._ready.clear()
        assert self.loop is not None
        self.loop.call_soon_threadsafe(self._launch_gateway)
        if not self._ready.wait(60):
            raise RuntimeError("the gateway did not restart in time")

    @contextlib.contextmanager
    def overridden(self, **fields: Any) -> Iterator[None]:
        """Change gateway settings for a block (the context reads them per request)."""
        assert self.gateway is not None
        original = self.gateway.settings
        self.gateway.settings = original.model_copy(update=fields)
        try:
            yield
        finally:
            self.gateway.settings = original

    # -- inside the stack's thread ---------------------------------------------------------------------
    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as error:  # noqa: BLE001 - reported to the starting thread
            self._error = error
            self._ready.set()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stop_all = asyncio.Event()
        await self.artifacts.check()
        worker_stop = asyncio.Event()
        transport = await JobTransport.connect(self.worker_settings)
        servers: list[ModelServer] = []
        workers: list[asyncio.Task[None]] = []
        addresses: dict[str, str] = {}
        for name, factory in self.services.items():
            definition = factory(self.artifacts)
            server = ModelServer(definition, self.artifacts, 0, host="127.0.0.1")
            await server.start()
            await server.load_backends()
            servers.append(server)
            addresses[f"{name}_addr"] = f"127.0.0.1:{server.port}"
            worker = JobWorker(
                transport, definition, self.artifacts, concurrency=self.worker_concurrency, shutdown_grace=2.0
            )
            workers.append(asyncio.create_task(worker.run(worker_stop)))
        self._gateway_fields.update(addresses)
        self.settings = GatewaySettings(**self._gateway_fields)
        self._launch_gateway()
        try:
            await self._stop_all.wait()
        finally:
            await self._stop_gateway_now()
            worker_stop.set()
            await asyncio.gather(*workers, return_exceptions=True)
            for server in servers:
                await server.stop(1.0)
            names = transport.names
            for stream in names.streams:
                with contextlib.suppress(Exception):
                    await transport.js.delete_stream(stream)
            await transport.close()

    def _launch_gateway(self) -> None:
        assert self.settings is not None
        self._stop_gateway = asyncio.Event()

        def on_ready(gateway: Gateway, port: int) -> None:
            self.gateway = gateway
            self._ready.set()

        async def run() -> None:
            for attempt in range(1, BIND_ATTEMPTS + 1):
                assert self._stop_gateway is not None and self.settings is not None
                try:
                    await run_gateway(self.port, self.settings, self._stop_gateway, on_ready=on_ready)
                    return
                except BaseException as error:
                    # Another process (tests run side by side) took the free port before the gateway
                    # bound it: on a first start nobody holds the old address yet, so take another.
                    if self.gateway is None and attempt < BIND_ATTEMPTS and port_in_use(self.port):
                        self.port = free_port()
                        self.base_url = f"http://127.0.0.1:{self.port}"
                        self._stop_gateway = asyncio.Event()
                        continue
                    self._error = error
                    self._ready.set()
                    raise

        self._gateway_task = asyncio.create_task(run())

    async def _stop_gateway_now(self) -> None:
        if self._stop_gateway is not None:
            self._stop_gateway.set()
        if self._gateway_task is not None:
            with contextlib.suppress(BaseException):
                await self._gateway_task
            self._gateway_task = None
