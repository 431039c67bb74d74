"""`studio migrate` and `studio keys create|list|revoke`: gateway administration against its database."""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer

from studio.cli.errors import fail, run_async

keys = typer.Typer(help="API keys of the REST gateway (stored hashed; a key is shown once).", no_args_is_help=True)


def _database_url() -> str:
    from studio.cli.errors import reported_errors
    from studio.gateway.settings import gateway_settings

    with reported_errors():
        return gateway_settings().database_url


def migrate() -> None:
    """Create the gateway database if needed and apply pending SQL migrations."""
    from studio.gateway.db.migrate import migrate as apply

    applied = run_async(apply(_database_url()))
    print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date")


@keys.command("create")
def create_key(name: Annotated[str, typer.Option("--name", "-n", help="Who or what uses the key, e.g. n8n")]) -> None:
    """Create an API key of a new account and print it (stdout: the key only; it cannot be shown again).

    More keys of the same account are made with the key itself: POST /api/v1/keys, or the web studio's
    Settings."""
    from studio.gateway.auth.keys import create_key as create
    from studio.gateway.db.migrate import migrate as apply
    from studio.gateway.db.pool import connect

    async def _create() -> str:
        url = _database_url()
        await apply(url)
        conn = await connect(url)
        try:
            created = await create(conn, name)
        finally:
            await conn.close()
        print(
            f"created key {created.id} ({created.name}) of a new account; "
            f"webhook signing secret: {created.webhook_secret}",
            file=sys.stderr,
        )
        return created.key

    print(run_async(_create()))


@keys.command("list")
def list_keys() -> None:
    """List keys (id, prefix, name, state, created, account); the keys themselves are not stored."""
    from studio.gateway.db.pool import connect
    from studio.gateway.store.keys import KeyStore

    async def _list() -> list[str]:
        conn = await connect(_database_url())
        try:
            rows = await KeyStore(conn).all()
        finally:
            await conn.close()
        lines = []
        for r in rows:
            state = "revoked" if r["revoked_at"] else "active"
            lines.append(
                f"{r['id']}  {r['prefix']}…  {r['name']}  {state}  {r['created_at']:%Y-%m-%d}  account {r['tenant_id']}"
            )
        return lines

    for line in run_async(_list()):
        print(line)


@keys.command("revoke")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id (from `studio keys list`)")]) -> None:
    """Revoke a key: requests with it (and its web UI tokens) are refused from now on."""
    from studio.gateway.db.pool import connect
    from studio.gateway.store.keys import KeyStore

    try:
        parsed = uuid.UUID(key_id)
    except ValueError:
        fail(f"{key_id!r} is not a key id; see `studio keys list`", 2)

    async def _revoke() -> bool:
        conn = await connect(_database_url())
        try:
            return await KeyStore(conn).revoke(parsed)
        finally:
            await conn.close()

    if not run_async(_revoke()):
        fail(f"no active key {key_id}")
    print(f"revoked {key_id}")


def register(app: typer.Typer) -> None:
    app.command()(migrate)
    app.add_typer(keys, name="keys")
