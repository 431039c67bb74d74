"""What request handlers and background loops share: one object built at start-up."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import asyncpg

from studio.core.artifacts.base import ArtifactStore
from studio.core.clients import GrpcClient
from studio.core.jobs import JobTransport
from studio.core.registry import SERVICES
from studio.gateway.hub import EventHub
from studio.gateway.settings import GatewaySettings

if TYPE_CHECKING:
    from studio.gateway.production.runner import ProjectRunner


class Waker:
    """A level-triggered wake-up for a background loop (set by producers, cleared by the loop)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass
        self._event.clear()


class Gateway:
    """A plain class on purpose: Litestar passes dependencies through msgspec, which would copy a dataclass."""

    def __init__(
        self,
        settings: GatewaySettings,
        pool: asyncpg.Pool,
        transport: JobTransport,
        artifacts: ArtifactStore,
        jwt_secret: str,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.transport = transport
        self.artifacts = artifacts
        self.jwt_secret = jwt_secret
        self.hub = EventHub()
        self.dispatch_waker = Waker()
        self.webhook_waker = Waker()
        self._clients: dict[str, GrpcClient] = {}
        self._runner: ProjectRunner | None = None

    @property
    def runner(self) -> ProjectRunner:
        if self._runner is None:
            from studio.gateway.production.runner import ProjectRunner

            self._runner = ProjectRunner(self)
        return self._runner

    def client(self, service: str) -> GrpcClient:
        """A gRPC client of a model server, made on first use and kept for the process."""
        if service not in self._clients:
            spec = SERVICES[service]
            self._clients[service] = GrpcClient(self.settings.service_addr(service), spec.grpc_service, timeout=60)
        return self._clients[service]

    async def close_clients(self) -> None:
        for client in self._clients.values():
            await client.close()
        self._clients.clear()
