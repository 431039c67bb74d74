"""One GPU shared by several processes: real NATS, real processes, a simulated 100 MB device.

Each process is tests/core/lease_process.py, which wires its residency manager as `studio serve`
does. Models really allocate what they are charged, so a process that overstepped the budget
would show in the ledger.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest

from studio.core.gpu_lease import _parse, ledger_key

REPO = Path(__file__).resolve().parents[2]
MB = 1024**2
TTL = 1.5


class Server:
    """One stand-in model server, driven line by line."""

    def __init__(self, name: str, prefix: str, gpu: str) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "STUDIO_GPU_LEASE": "nats",
            "STUDIO_GPU_ID": gpu,
            "STUDIO_DEVICE_MEMORY_GB": str(100 / 1024),
            "STUDIO_MEMORY_FRACTION": "1",
            "STUDIO_IDLE_UNLOAD_SECONDS": "0",
            "STUDIO_GPU_LEASE_TTL_SECONDS": str(TTL),
            "STUDIO_LOAD_WAIT_SECONDS": "30",
        }
        self.name = name
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "tests/core/lease_process.py"), name, prefix],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready", timeout=30)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.events.put(json.loads(line))

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, event: str, name: str | None = None, timeout: float = 15.0) -> dict[str, Any]:
        """The next `event` (for model `name`), waiting at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        for seen in self.seen:
            if seen["event"] == event and name in (None, seen.get("name")):
                self.seen.remove(seen)
                return seen
        while time.monotonic() < deadline:
            try:
                got = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if got["event"] == event and name in (None, got.get("name")):
                return got
            self.seen.append(got)
        raise AssertionError(f"{self.name}: no {event} {name or ''} within {timeout}s (saw {self.seen})")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.send("quit")
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def gpu() -> str:
    return f"sim-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def servers(nats_prefix: str, gpu: str) -> Iterator[Any]:
    started: list[Server] = []

    def start(name: str) -> Server:
        server = Server(name, nats_prefix, gpu)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


async def ledger(prefix: str, gpu: str) -> dict[str, Any]:
    nc = await nats.connect("nats://127.0.0.1:4222")
    try:
        kv = await nc.jetstream().key_value(f"{prefix}_GPU_LEASES")
        return _parse((await kv.get(ledger_key(gpu))).value)
    finally:
        await nc.close()


@pytest.mark.slow
async def test_idle_models_of_other_processes_are_unloaded_to_make_room(
    servers: Any, nats_prefix: str, gpu: str
) -> None:
    audio, image, video = servers("audio"), servers("image"), servers("video")
    audio.send("load tts 40")
    audio.expect("loaded", "tts")
    video.send("load lipsync 40")
    video.expect("loaded", "lipsync")
    image.send("load flux 60")  # 40 + 40 + 60 > 100: the idle models must make room
    loaded = image.expect("loaded", "flux")
    unloaded = [event for event in (_maybe(audio, "unloaded"), _maybe(video, "unloaded")) if event]
    assert unloaded and all(u["t"] <= loaded["t"] for u in unloaded)
    holders = await ledger(nats_prefix, gpu)
    assert sum(h.charged for h in holders.values()) <= 100 * MB
    assert {h.service for h in holders.values()} == {"audio", "image", "video"}


def _maybe(server: Server, event: str) -> dict[str, Any] | None:
    try:
        return server.expect(event, timeout=2)
    except AssertionError:
        return None


@pytest.mark.slow
async def test_a_busy_model_is_waited_for_then_the_next_one_loads(servers: Any) -> None:
    audio, image = servers("audio"), servers("image")
    audio.send("hold tts 60 2")
    audio.expect("loaded", "tts")
    image.send("load flux 60")
    released = audio.expect("released", "tts", timeout=10)
    unloaded = audio.expect("unloaded", "tts")
    loaded = image.expect("loaded", "flux", timeout=10)
    assert released["t"] <= unloaded["t"] <= loaded["t"]  # turns, never both at once


@pytest.mark.slow
async def test_a_killed_holder_loses_its_lease_when_it_expires(servers: Any, nats_prefix: str, gpu: str) -> None:
    audio, image = servers("audio"), servers("image")
    audio.send("hold tts 80 600")
    audio.expect("loaded", "tts")
    image.send("load flux 60")
    with pytest.raises(AssertionError):
        image.expect("loaded", "flux", timeout=TTL + 1)  # the busy holder is alive: no room
    audio.proc.send_signal(signal.SIGKILL)
    killed = time.time()
    audio.proc.wait(10)
    loaded = image.expect("loaded", "flux", timeout=TTL + 10)
    assert loaded["t"] - killed <= TTL + 5
    holders = await ledger(nats_prefix, gpu)
    assert [h.service for h in holders.values()] == ["image"]
    assert sum(h.charged for h in holders.values()) == 60 * MB


async def test_one_process_waits_for_its_own_busy_model_then_evicts_it(nats_prefix: str, gpu: str) -> None:
    """Two operations of one server: the second model waits for the first to finish, then takes its place."""
    from studio.core.gpu_lease import GpuLease
    from studio.core.placement import DeviceProfile, Footprint
    from studio.core.residency import Loaded, ResidencyManager

    nc = await nats.connect("nats://127.0.0.1:4222")
    manager = ResidencyManager(100 * MB, profile=DeviceProfile("sim", 1e12, 1e11, 1e10, 1e10, kind="cpu"))
    manager.lease = await GpuLease.open(nc, gpu, manager.budget_bytes, manager, prefix=nats_prefix, ttl=TTL)
    order: list[str] = []

    async def hold(name: str, seconds: float) -> None:
        async with manager.use(name, Footprint.single(60 * MB), lambda _: Loaded(name)):
            order.append(f"{name} loaded")
            await asyncio.sleep(seconds)
        order.append(f"{name} done")

    try:
        first = asyncio.create_task(hold("tts", 1.0))
        await asyncio.sleep(0.3)
        await asyncio.wait_for(hold("music", 0), timeout=10)
        await first
    finally:
        await manager.lease.close()
        await nc.close()
    assert order == ["tts loaded", "tts done", "music loaded", "music done"]
    assert not manager.is_resident("tts")
