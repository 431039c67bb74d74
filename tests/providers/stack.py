"""The distributed studio with hosted providers: the gateway, the four real model servers, NATS and
Postgres (tests/gateway/stack.py), with the model servers' provider backends pointed at the fake
providers, tenants' keys enabled, and a credentials secret shared by the gateway and the services.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from studio.core.registry import SERVICES, service_spec
from studio.core.settings import reset_settings_cache
from studio.gateway.auth.keys import create_key
from tests.conftest import NATS_URL
from tests.gateway.stack import Stack
from tests.providers.fakes.server import FakeProviders, FakeProviderServer

#: At rest: two secrets, the newest first (rows sealed with the second still open).
KEYS_SECRET = base64.b64encode(b"k" * 32).decode()
OLD_KEYS_SECRET = base64.b64encode(b"o" * 32).decode()
CREDENTIALS_SECRET = base64.b64encode(b"c" * 32).decode()

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

GATEWAY_OVERRIDES = {
    "provider_keys_secret": f"{KEYS_SECRET},{OLD_KEYS_SECRET}",
    "allow_private_webhooks": True,
    "webhook_retry_base": 0.2,
    "webhook_max_attempts": 2,
    "auth_cache_seconds": 0.5,
    "max_concurrent_jobs": {"audio": 8, "image": 8, "video": 8, "composer": 2},
}


@dataclass
class ProviderStack:
    stack: Stack
    fake: FakeProviders

    @property
    def url(self) -> str:
        return self.stack.base_url

    @property
    def database_url(self) -> str:
        assert self.stack.settings is not None
        return self.stack.settings.database_url

    async def new_key(self, name: str = "tenant") -> tuple[str, uuid.UUID]:
        """A fresh API key (a tenant) and its owner id."""
        conn = await asyncpg.connect(self.database_url)
        try:
            created = await create_key(conn, name)
            return created.key, created.id
        finally:
            await conn.close()


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def provider_stack(tmp: Path) -> Iterator[ProviderStack]:
    with FakeProviderServer() as fake:
        env = {**fake.settings_env(), "STUDIO_PROVIDER_CREDENTIALS_SECRET": CREDENTIALS_SECRET}
        saved = {name: os.environ.get(name) for name in env}
        os.environ.update(env)
        reset_settings_cache()
        name = f"studio_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        stack = Stack(
            database_url=f"postgresql://postgres@127.0.0.1:5432/{name}",
            nats_url=NATS_URL,
            artifacts_dir=tmp / "artifacts",
            services={service: service_spec(service).load_factory() for service in SERVICES},
            gateway_overrides=GATEWAY_OVERRIDES,
            worker_concurrency=4,
        )
        try:
            stack.start(timeout=180)
            yield ProviderStack(stack, fake)
        finally:
            stack.stop()
            for variable, value in saved.items():
                if value is None:
                    os.environ.pop(variable, None)
                else:
                    os.environ[variable] = value
            reset_settings_cache()
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
