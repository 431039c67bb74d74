"""`make up` (scripts/stack.sh) for real: its processes stopped and started again keep every stored
file, a cloned voice still speaks, nothing listens beyond loopback, and nothing can be read or
listed without an API key or a link the gateway signed.

The stack runs beside any other on this machine: its own run directory, ports (an offset),
database, NATS prefix and artifact directory.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import os
import random
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
from nats import connect as nats_connect

from studio.core.jobs.transport import Names
from studio.core.registry import SERVICES
from tests.conftest import NATS_URL
from tests.deploy.support import REPO_ROOT
from tests.gateway.media import assert_wav, spoken_sample

pytestmark = pytest.mark.slow
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
WAIT = {"Prefer": "wait=90"}


@dataclass
class ScriptStack:
    env: dict[str, str]
    run_dir: Path
    artifacts_dir: Path
    gateway_url: str
    ports: list[int]

    def script(self, action: str) -> None:
        done = subprocess.run(
            ["bash", "scripts/stack.sh", action],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        logs = "".join(f"\n--- {p.name}\n{p.read_text()[-3000:]}" for p in self.run_dir.glob("*.log"))
        assert done.returncode == 0, f"stack.sh {action}: {done.stdout}\n{done.stderr}{logs}"

    def process_groups(self) -> list[int]:
        lines = (self.run_dir / "pids").read_text().split("\n")
        return [int(line.split()[1]) for line in lines if line.strip()]

    def names(self) -> list[str]:
        return [line.split()[0] for line in (self.run_dir / "pids").read_text().splitlines()]


def _port_offset() -> int:
    """An offset that leaves every port of the stack free."""
    defaults = [8080, 9100] + [p for s in SERVICES.values() for p in (s.port, s.metrics_port)]
    for _ in range(50):
        offset = random.randrange(1000, 5000)
        try:
            for port in defaults:
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return offset
    raise RuntimeError("no free set of ports for a second stack")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _delete_streams(prefix: str) -> None:
    nc = await nats_connect(NATS_URL)
    js = nc.jetstream()
    for stream in Names(prefix).streams:
        try:
            await js.delete_stream(stream)
        except Exception:  # noqa: BLE001 - never created
            pass
    await nc.close()


@pytest.fixture(scope="module")
def script_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScriptStack]:
    database = f"studio_test_{uuid.uuid4().hex[:12]}"
    prefix = f"stack{uuid.uuid4().hex[:8]}"
    offset = _port_offset()
    base = tmp_path_factory.mktemp("stack-script")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
    env.update(
        STUDIO_RUN_DIR=str(base / "run"),
        STUDIO_STACK_PORT_OFFSET=str(offset),
        STUDIO_DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{database}",
        STUDIO_NATS_URL=NATS_URL,
        STUDIO_NATS_PREFIX=prefix,
        STUDIO_ARTIFACTS_DIR=str(base / "artifacts"),
        STUDIO_LOG_FORMAT="text",
        STUDIO_SHUTDOWN_GRACE="5",
    )
    ports = [8080 + offset, 9100 + offset] + [p + offset for s in SERVICES.values() for p in (s.port, s.metrics_port)]
    stack = ScriptStack(env, base / "run", base / "artifacts", f"http://127.0.0.1:{8080 + offset}", ports)
    asyncio.run(_admin(f'CREATE DATABASE "{database}"'))
    try:
        stack.script("up")
        yield stack
    finally:
        stack.script("down")
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        asyncio.run(_delete_streams(prefix))


def api_key(stack: ScriptStack) -> str:
    created = subprocess.run(
        [str(REPO_ROOT / ".venv/bin/studio"), "keys", "create", "--name", "stack test"],
        env=stack.env,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def listening_addresses(process_groups: list[int]) -> dict[int, set[str]]:
    """Port -> the addresses sockets of these process groups listen on (from /proc, like ss -ltn)."""
    pids = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _process_group(entry) in process_groups
    ]
    inodes: set[str] = set()
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:  # the process ended meanwhile
            continue
    found: dict[int, set[str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            address, port = local.split(":")
            raw = b"".join(bytes.fromhex(address[i : i + 8])[::-1] for i in range(0, len(address), 8))
            ip = ipaddress.ip_address(raw)
            mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
            found.setdefault(int(port, 16), set()).add(str(mapped or ip))
    return found


def _process_group(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return -1


def test_files_and_voices_survive_a_restart_and_nothing_is_exposed(script_stack: ScriptStack, tmp_path: Path) -> None:
    stack = script_stack
    key = api_key(stack)
    with httpx.Client(base_url=stack.gateway_url, headers={"X-API-Key": key}, timeout=120) as client:
        cloned = client.post(
            "/api/v1/audio/clone-voice",
            files={"sample": ("voz.wav", spoken_sample(tmp_path), "audio/wav")},
            data={"name": "Voz", "language": "pt-br"},
            headers=WAIT,
        )
        assert cloned.status_code == 200, cloned.text
        voice = cloned.json()["voice"]
        assert voice["status"] == "ready"
        spoken = client.post(
            "/api/v1/audio/generate-speech", json={"text": "Antes de reiniciar.", "voice_id": voice["id"]}, headers=WAIT
        )
        assert spoken.status_code == 200, spoken.text
        (speech,) = spoken.json()["assets"]
        uploads = client.get("/api/v1/assets", params={"type": "audio"}).json()
        assert uploads, "the voice sample is an asset too"
        before = {a["id"]: client.get(a["links"]["download"]).content for a in [speech, *uploads]}
        assert all(sha256(before[a["id"]]) == a["sha256"] for a in [speech, *uploads])
        link = client.get(speech["links"]["download"], params={"mode": "redirect"}).headers["location"]

    stack.script("down")
    assert not (stack.run_dir / "pids").exists()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (stack.run_dir / "pids").write_text(f"audio {gone.pid}\n")  # left by a machine that rebooted
    stack.script("up")

    assert sorted(stack.names()) == sorted([*SERVICES, "gateway"])  # and no S3 server of any kind
    with httpx.Client(base_url=stack.gateway_url, headers={"X-API-Key": key}, timeout=120) as client:
        for asset_id, data in before.items():
            again = client.get(f"/api/v1/assets/{asset_id}/download")
            assert again.status_code == 200 and again.content == data, asset_id
        assert httpx.get(f"{stack.gateway_url}{link}", timeout=30).content == before[speech["id"]]
        spoken = client.post(
            "/api/v1/audio/generate-speech",
            json={"text": "Depois de reiniciar.", "voice_id": voice["id"]},
            headers=WAIT,
        )
        assert spoken.status_code == 200, spoken.text
        (after,) = spoken.json()["assets"]
        assert assert_wav(client.get(after["links"]["download"]).content) > 0.3

    with httpx.Client(base_url=stack.gateway_url, timeout=30) as anonymous:
        assert anonymous.get("/api/v1/assets").status_code == 401
        assert anonymous.get("/metrics").status_code == 404  # metrics are on a loopback port of their own
        metrics_port = int(stack.env["STUDIO_STACK_PORT_OFFSET"]) + 9100
        assert "studio_http_requests_total" in httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        for url in ("/files/", "/files/uploads/", "/files/runs/"):
            listing = anonymous.get(url)
            assert listing.status_code in (400, 403, 404, 405) and "runs/" not in listing.text.replace(url, "")
    assert (stack.artifacts_dir.stat().st_mode & 0o777) == 0o700  # other users of the machine cannot read it

    listening = listening_addresses(stack.process_groups())
    assert set(stack.ports) <= set(listening), f"expected every port of the stack, got {sorted(listening)}"
    assert all(addresses == {"127.0.0.1"} for addresses in listening.values()), listening
