"""`studio migrate` and `studio keys ...` against a fresh database."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from typer.testing import CliRunner

from studio.cli.main import app
from studio.gateway.auth.keys import hash_key


@pytest.fixture
def cli_database(database_factory: object, monkeypatch: pytest.MonkeyPatch) -> str:
    url: str = database_factory()  # type: ignore[operator]
    monkeypatch.setenv("STUDIO_DATABASE_URL", url)
    return url


def _key_row(url: str, key: str) -> asyncpg.Record | None:
    async def fetch() -> asyncpg.Record | None:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchrow("SELECT id, name, revoked_at FROM api_keys WHERE key_hash = $1", hash_key(key))
        finally:
            await conn.close()

    return asyncio.run(fetch())


def test_migrate_is_idempotent(cli_database: str) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["migrate"])
    assert first.exit_code == 0 and "0001_init" in first.stdout
    again = runner.invoke(app, ["migrate"])
    assert again.exit_code == 0 and "up to date" in again.stdout


def test_keys_create_prints_a_working_key_then_revoke(cli_database: str) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--name", "demo"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("sk_studio_") and len(key) > 40 and "\n" not in key
    row = _key_row(cli_database, key)
    assert row is not None and row["name"] == "demo"
    listed = runner.invoke(app, ["keys", "list"])
    assert str(row["id"]) in listed.stdout and key not in listed.stdout  # only a prefix is ever shown
    assert runner.invoke(app, ["keys", "revoke", str(row["id"])]).exit_code == 0
    assert _key_row(cli_database, key)["revoked_at"] is not None  # type: ignore[index]
    assert runner.invoke(app, ["keys", "revoke", "not-an-id"]).exit_code == 2
    assert runner.invoke(app, ["keys", "create", "--name", "   "]).exit_code == 1


def test_unreachable_database_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    result = CliRunner().invoke(app, ["migrate"])
    assert result.exit_code == 2
    assert "cannot connect to Postgres" in result.output and "Traceback" not in result.output
