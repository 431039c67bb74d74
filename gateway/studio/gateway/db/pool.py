"""The asyncpg pool, with JSON codecs and one-line errors for bad configuration."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec

from studio.core.errors import ConfigError

CONNECT_TIMEOUT = 5.0

#: Errors that mean the server is away (restarting, shutting down, refusing connections), not a bad query.
_AWAY = (
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,  # terminated by pg_terminate_backend or a fast shutdown
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.PostgresConnectionError,  # connection does not exist / failed (class 08)
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections, out of memory or disk
    # A pooled connection whose server process was terminated while idle can fail its next query with
    # "cannot switch to state …; another operation is in progress": that connection is gone, the pool
    # replaces it, and the retry works.
    asyncpg.exceptions.InternalClientError,
)


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


def _from_asyncpg(error: BaseException) -> bool:
    tb = error.__traceback__
    while tb is not None:
        if "asyncpg" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


def unavailable(error: BaseException) -> bool:
    """True when `error` says the database is away for now (so a retry soon may succeed).

    Server-side shutdown and connection errors always are; a refused or reset connection, a
    closed one, or a connect timeout are when asyncpg raised them (a pool acquiring a new
    connection during a restart), so other code's OSErrors and timeouts stay what they are.
    """
    if isinstance(error, _AWAY):
        return True
    if isinstance(error, asyncpg.InterfaceError):
        return "closed" in str(error) or "closing" in str(error)
    return isinstance(error, (OSError, TimeoutError)) and _from_asyncpg(error)
