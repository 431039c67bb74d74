"""What request handlers and background loops share: one object, built by `server.assemble`."""

from __future__ import annotations

import asyncio
import uuid
from typing import Protocol

import asyncpg

from studio.core.artifacts.base import ArtifactStore
from studio.core.clients import GrpcClient
from studio.core.jobs import JobTransport
from studio.core.registry import SERVICES
from studio.gateway.auth.identity import CredentialCache
from studio.gateway.effects import OutcomeEffects, ProductionEffects
from studio.gateway.hub import EventHub, TenantWakers
from studio.gateway.providers.budget import Budgets
from studio.gateway.providers.keyring import KeyRing
from studio.gateway.providers.reachability import ProviderProbe
from studio.gateway.settings import GatewaySettings
from studio.gateway.store.assets import AssetStore
from studio.gateway.store.budgets import BudgetStore
from studio.gateway.store.idempotency import IdempotencyStore
from studio.gateway.store.job_changes import JobChangeStore
from studio.gateway.store.jobs import JobStore
from studio.gateway.store.keys import KeyStore
from studio.gateway.store.presets import PresetStore
from studio.gateway.store.projects import ProjectStore
from studio.gateway.store.provider_keys import ProviderKeyStore
from studio.gateway.store.voices import VoiceStore
from studio.gateway.store.webhooks import WebhookStore


class Waker:
    """A level-triggered wake-up for a background loop (set by producers, cleared by the loop)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    async def wait(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            pass
        self._event.clear()


class Productions(Protocol):
    """Runs projects' productions in the background (the assembly plugs in `ProjectRunner`)."""

    def start(self, project_id: uuid.UUID) -> None: ...


class Gateway:
    """A plain class on purpose: Litestar passes dependencies through msgspec, which would copy a dataclass.

    The stores are views over the pool (one per table); `effects`, `production_effects` and
    `productions` are filled in by the assembly, so nothing here imports the code that uses it.
    """

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
        self.tenant_wakers = TenantWakers()
        self.dispatch_waker = Waker()
        self.webhook_waker = Waker()
        self.jobs = JobStore(pool)
        self.job_changes = JobChangeStore(pool)
        self.assets = AssetStore(pool)
        self.voices = VoiceStore(pool)
        self.projects = ProjectStore(pool)
        self.webhooks = WebhookStore(pool)
        self.keys = KeyStore(pool)
        self.presets = PresetStore(pool)
        #: Credentials checked within STUDIO_AUTH_CACHE_SECONDS (a revoked key is forgotten at once).
        self.credentials = CredentialCache()
        self.idempotency = IdempotencyStore(pool)
        self.provider_keys = ProviderKeyStore(pool)
        self.budgets = BudgetStore(pool)
        self.budget = Budgets(self.budgets, self.jobs, lambda: self.settings.default_monthly_budget_usd)
        self._keyring: tuple[str, KeyRing] | None = None
        self.provider_probe = ProviderProbe()
        self.effects = OutcomeEffects()
        self.production_effects = ProductionEffects()
        #: Queued jobs are held back by the concurrency caps (set by the dispatcher after each sweep):
        #: a job's end frees a slot for them, so it wakes the dispatcher.
        self.jobs_wait_for_slots = False
        #: Jobs whose end queued webhook deliveries (the outbox effect adds them in the ending transaction):
        #: announcing such an end, after the commit, wakes the webhook sender; other ends leave it asleep.
        self.deliveries_queued: set[uuid.UUID] = set()
        self.productions: Productions | None = None
        self._clients: dict[str, GrpcClient] = {}

    @property
    def keyring(self) -> KeyRing:
        """Seals tenants' provider keys at rest (follows the settings, which tests may swap)."""
        setting = self.settings.provider_keys_secret.get_secret_value()
        if self._keyring is None or self._keyring[0] != setting:
            self._keyring = (setting, KeyRing(setting))
        return self._keyring[1]

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
