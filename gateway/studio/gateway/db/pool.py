"""The asyncpg pool, with JSON codecs and one-line errors for bad configuration."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

from studio.core.errors import ConfigError

CONNECT_TIMEOUT = 5.0


def _redacted(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(
            kind, encoder=lambda v: msgspec.json.encode(v).decode(), decoder=msgspec.json.decode, schema="pg_catalog"
        )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Skip asyncpg's per-release reset query (RESET ALL, UNLISTEN, ...): pooled connections carry no
    session state here (only transaction-scoped locks), and the reset doubled the round trips per job.
    Open transactions are still rolled back by the pool itself."""


def _describe(url: str, error: BaseException) -> str:
    detail = str(error) or type(error).__name__
    return f"cannot connect to Postgres at {_redacted(url)} (STUDIO_DATABASE_URL): {detail}"


async def connect(url: str, **kwargs: Any) -> asyncpg.Connection:
    """One connection (migrations, CLI), with the same codecs as the pool."""
    try:
        conn = await asyncpg.connect(url, timeout=CONNECT_TIMEOUT, **kwargs)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as error:
        raise ConfigError(_describe(url, error)) from None
    await _init_connection(conn)
    return conn


async def create_pool(url: str, size: int = 10) -> asyncpg.Pool:
    try:
        pool = await asyncio.wait_for(
            asyncpg.create_pool(
                url,
                min_size=1,
                max_size=size,
                init=_init_connection,
                reset=_keep_session,
                timeout=CONNECT_TIMEOUT,
                command_timeout=60,
            ),
            CONNECT_TIMEOUT * 2,
        )
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError, ValueError) as error:
        raise ConfigError(_describe(url, error)) from None
    assert pool is not None
    return pool
