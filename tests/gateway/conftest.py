"""Gateway test fixtures: a fresh Postgres database and a running studio stack per session."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from studio.gateway.auth.keys import create_key
from tests.conftest import NATS_URL
from tests.gateway.fakes import FAKE_SERVICES
from tests.gateway.stack import Stack

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

#: Settings the tests rely on (small limits, fast retries, loopback webhooks allowed).
TEST_OVERRIDES = {
    "rate_limits": {"create_project": 3},
    "webhook_retry_base": 0.2,
    "webhook_max_attempts": 3,
    "allow_private_webhooks": True,
    "auth_cache_seconds": 0.5,
    "min_voice_sample_seconds": 0.5,
    "max_concurrent_jobs": {"audio": 16, "image": 16, "video": 8, "composer": 4},
}


async def _create_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_factory() -> Iterator[object]:
    """Makes fresh databases (studio_test_<random>) and drops them all at the end of the session."""
    created: list[str] = []

    def make() -> str:
        name = f"studio_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_create_database(name))
        created.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    yield make
    for name in created:
        asyncio.run(_drop_database(name))


@pytest.fixture(scope="session")
def stack(database_factory: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The studio with instant fake model servers, shared by the whole session."""
    url = database_factory()  # type: ignore[operator]
    artifacts_dir: Path = tmp_path_factory.mktemp("gateway-artifacts")
    running = Stack(
        database_url=url,
        nats_url=NATS_URL,
        artifacts_dir=artifacts_dir,
        services=dict(FAKE_SERVICES),
        gateway_overrides=TEST_OVERRIDES,
    ).start()
    yield running
    running.stop()


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[asyncpg.Connection]:
    assert stack.settings is not None
    conn = await asyncpg.connect(stack.settings.database_url)
    yield conn
    await conn.close()


async def new_key(stack: Stack, name: str = "test") -> str:
    assert stack.settings is not None
    conn = await asyncpg.connect(stack.settings.database_url)
    try:
        return (await create_key(conn, name)).key
    finally:
        await conn.close()


@pytest.fixture
async def key(stack: Stack) -> str:
    """A fresh API key (a tenant of its own) for this test."""
    return await new_key(stack)


@pytest.fixture
async def client(stack: Stack, key: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30
    ) as http:
        yield http


@pytest.fixture
async def anonymous(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.base_url, timeout=30) as http:
        yield http
