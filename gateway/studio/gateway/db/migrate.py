"""Apply the SQL files in migrations/ in order, once each, under an advisory lock.

Run by `studio migrate` and at gateway start-up; several replicas starting at once
serialise on the lock, and a migration is applied together with its bookkeeping
row in one transaction, so a crash leaves either all of it or none.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from studio.core.errors import ConfigError
from studio.gateway.db.pool import connect

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_ID = 7_510_042  # arbitrary, constant: "studio migrations"


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


async def ensure_database(url: str) -> bool:
    """Create the database named in `url` when the server lacks it; return whether it was created."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise ConfigError("STUDIO_DATABASE_URL names no database (postgresql://user@host:5432/<name>)")
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except asyncpg.InvalidCatalogNameError:
        pass
    except Exception:  # noqa: BLE001 - connect() below reports it as one line
        await (await connect(url)).close()
        return False
    else:
        await conn.close()
        return False
    admin = await connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        quoted = '"' + name.replace('"', '""') + '"'
        await admin.execute(f"CREATE DATABASE {quoted}")
    except asyncpg.DuplicateDatabaseError:
        return False
    finally:
        await admin.close()
    log.info("created database %s", name)
    return True


async def apply_migrations(conn: asyncpg.Connection) -> list[str]:
    """Apply pending migrations; return the versions applied now."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")}
        for path in migration_files():
            version = path.stem
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text())
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            log.info("applied migration %s", version)
            applied_now.append(version)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return applied_now


async def migrate(url: str) -> list[str]:
    """Create the database if needed and bring its schema up to date."""
    await ensure_database(url)
    conn = await connect(url)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()
