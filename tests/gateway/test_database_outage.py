"""A PostgreSQL restart: the API answers 503 problem+json with Retry-After (never 500), logs no
tracebacks, stores nothing half-way, and recovers; the SDK rides it out by retrying.

The database is a throwaway PostgreSQL cluster this module creates (initdb) on a port of its own
and really stops and starts, so the gateway sees what it sees in production: connections
terminated by the shutdown, then refused, then accepted again.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from studio.cli.remote import remote_client
from studio.cli.state import CliState
from studio.gateway.auth.keys import create_key
from studio.gateway.db.pool import unavailable
from studio.sdk import AsyncStudioClient
from tests.conftest import NATS_URL
from tests.gateway.stack import Stack, free_port


def _pg_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


class Cluster:
    """A PostgreSQL server of its own (trust auth, loopback, no fsync) that a test can stop and start."""

    def __init__(self, root: Path) -> None:
        bindir = _pg_bin()
        if bindir is None:
            pytest.skip("PostgreSQL server binaries (pg_ctl, initdb) are not installed")
        self.bin = bindir
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        # PostgreSQL refuses to run as root: run it as the postgres user then.
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.run_as:
            shutil.chown(root, "postgres")
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run([*self.run_as, str(self.bin / tool), *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), "-w", "start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # Not under pytest's tmp directory: as root, that is private to root, and the server runs as postgres.
    root = Path(tempfile.mkdtemp(prefix="studio-pg-outage-"))
    try:
        running = Cluster(root)
        running.start()
        yield running
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            running.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def outage_stack(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        database_url=cluster.url("studio"),
        nats_url=NATS_URL,
        artifacts_dir=tmp_path_factory.mktemp("outage-artifacts"),
        services={},
        gateway_overrides={"ready_requires_services": False, "auth_cache_seconds": 0.5},
    ).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def outage_key(cluster: Cluster, outage_stack: Stack) -> str:
    async def make() -> str:
        conn = await asyncpg.connect(cluster.url("studio"))
        try:
            return (await create_key(conn, "outage")).key
        finally:
            await conn.close()

    return asyncio.run(make())


async def _count(cluster: Cluster, sql: str) -> int:
    conn = await asyncpg.connect(cluster.url("studio"))
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def _assert_503(response: httpx.Response) -> None:
    assert response.status_code == 503, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert body["status"] == 503 and "database" in body["detail"] and "retry" in body["detail"]


async def test_a_database_restart_answers_503_with_retry_after_and_then_recovers(
    cluster: Cluster, outage_stack: Stack, outage_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    auth = {"Authorization": f"Bearer {outage_key}"}
    async with httpx.AsyncClient(base_url=outage_stack.base_url, headers=auth, timeout=30) as http:
        assert (await http.get("/api/v1/jobs")).status_code == 200
        caplog.clear()
        caplog.set_level(logging.WARNING)
        await asyncio.to_thread(cluster.stop)
        try:
            for _ in range(3):  # pooled connections terminated by the shutdown, then refused connections
                _assert_503(await http.get("/api/v1/jobs"))
                _assert_503(await http.post("/api/v1/studio/create-project", json={"name": "during the outage"}))
                _assert_503(await http.get("/api/v1/assets"))
                # the OpenAI-compatible routes: the same status, in OpenAI's shape
                openai = await http.post("/v1/images/generations", json={"prompt": "during the outage"})
                assert openai.status_code == 503 and openai.headers["retry-after"] == "2"
                assert "database" in openai.json()["error"]["message"]
        finally:
            await asyncio.to_thread(cluster.start)
        restarted = time.monotonic()
        while (answer := await http.get("/api/v1/jobs")).status_code != 200:
            assert answer.status_code == 503, answer.text
            assert time.monotonic() - restarted < 10, "the API did not recover within 10 s of the restart"
            await asyncio.sleep(0.2)
    gateway_records = [r for r in caplog.records if r.name.startswith("studio.gateway")]
    assert not [r for r in gateway_records if r.exc_info or r.levelno >= logging.ERROR], "no tracebacks, no errors"
    outage_logs = [r for r in gateway_records if "database unavailable" in r.getMessage()]
    assert 1 <= len(outage_logs) <= 3, [r.getMessage() for r in outage_logs]  # not one line per request
    assert await _count(cluster, "SELECT count(*) FROM projects WHERE name = 'during the outage'") == 0


async def test_terminated_connections_are_503_never_500(cluster: Cluster, outage_stack: Stack, outage_key: str) -> None:
    auth = {"Authorization": f"Bearer {outage_key}"}
    async with httpx.AsyncClient(base_url=outage_stack.base_url, headers=auth, timeout=30) as http:
        for _ in range(3):
            assert (await http.get("/api/v1/jobs")).status_code == 200
            conn = await asyncpg.connect(cluster.url("studio"))
            try:
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = 'studio' AND pid <> pg_backend_pid()"
                )
            finally:
                await conn.close()
            statuses = [(await http.get("/api/v1/jobs")).status_code for _ in range(4)]
            assert set(statuses) <= {200, 503} and statuses[-1] == 200, statuses


async def test_the_sdk_retries_through_a_restart_and_does_the_work_once(
    cluster: Cluster, outage_stack: Stack, outage_key: str
) -> None:
    name = f"made through a restart {uuid.uuid4().hex[:6]}"
    await asyncio.to_thread(cluster.stop)
    restart = threading.Timer(2.0, cluster.start)
    restart.start()
    try:
        started = time.monotonic()
        async with AsyncStudioClient(outage_stack.base_url, outage_key, retry_max_wait=30) as studio:
            project = await studio.create_project(name)
            jobs = await studio.list_jobs()
        waited = time.monotonic() - started
    finally:
        restart.join()
    assert project.name == name and jobs == []
    assert waited >= 1.5  # it really waited through the outage
    assert await _count(cluster, f"SELECT count(*) FROM projects WHERE name = '{name}'") == 1


def test_what_counts_as_the_database_being_away() -> None:
    assert unavailable(asyncpg.CannotConnectNowError("the database system is starting up"))
    assert unavailable(asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"))
    assert unavailable(asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"))
    assert unavailable(asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"))
    assert unavailable(asyncpg.InterfaceError("connection is closed"))
    assert unavailable(asyncpg.exceptions.InternalClientError("cannot switch to state 12; another operation (2) is in"))
    assert not unavailable(asyncpg.exceptions.UniqueViolationError("duplicate key"))
    assert not unavailable(ConnectionRefusedError("not from asyncpg"))  # another client's OSError stays a 500
    assert not unavailable(TimeoutError())


async def test_the_clis_remote_client_rides_out_a_restart(
    cluster: Cluster, outage_stack: Stack, outage_key: str
) -> None:
    """Every `studio --server` command talks through `remote_client`: the SDK client with its retries."""
    await asyncio.to_thread(cluster.stop)
    restart = threading.Timer(1.5, cluster.start)
    restart.start()
    try:
        async with remote_client(CliState(server=outage_stack.base_url, key=outage_key)) as client:
            assert client.retries > 0
            assert await client.list_jobs() == []
    finally:
        restart.join()
