"""One GPU shared by several model-server processes: a ledger of device memory in NATS KV.

In distributed mode the audio, image and video servers can sit on one card.
Each process's `ResidencyManager` holds a `GpuLease`: an entry in a ledger
(one KV key per GPU UUID, updated with compare-and-set) saying how many bytes
it has charged, how many of those are idle models it could unload, and when it
last heart-beat. Before loading, a process reserves the model's bytes: if the
ledger has no room, it asks the holders with idle models to unload
(request-reply on `[prefix.]studio.gpu.unload.<holder>`), and waits while the
others are busy: the models take turns. A process that dies (kill -9, OOM
kill) stops heart-beating, and its entry is dropped once it is older than
`STUDIO_GPU_LEASE_TTL_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from studio.core.errors import Overloaded
from studio.core.placement import GB
from studio.core.residency import ResidencyManager, ResidencySettings, manager_for
from studio.core.settings import load_settings

log = logging.getLogger(__name__)

#: How often a waiting process re-reads the ledger.
POLL_SECONDS = 0.2
#: How long an unload request may take (unloading a model is a few seconds at most).
UNLOAD_TIMEOUT = 30.0


@dataclass(frozen=True)
class Holder:
    charged: int
    idle: int
    seen: float
    service: str = ""
    pid: int = 0


def _parse(raw: bytes | None) -> dict[str, Holder]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
        return {name: Holder(**entry) for name, entry in data.get("holders", {}).items()}
    except (ValueError, TypeError, AttributeError):
        log.warning("the GPU lease ledger was unreadable; starting a new one")
        return {}


def _dump(holders: dict[str, Holder]) -> bytes:
    return json.dumps({"holders": {name: vars(h) for name, h in holders.items()}}).encode()


def ledger_key(gpu_id: str) -> str:
    """A KV key for a GPU id (UUIDs are fine; anything else is made safe)."""
    return re.sub(r"[^A-Za-z0-9_=-]", "_", gpu_id) or "gpu"


@dataclass
class GpuLease:
    """This process's entry in one GPU's ledger."""

    nc: NATS
    kv: KeyValue
    key: str
    budget: int
    #: (charged bytes, idle bytes) of this process right now.
    snapshot: Callable[[], tuple[int, int]]
    #: Unload idle models until at least this many bytes are freed; returns bytes freed.
    release_idle: Callable[[int], Any]
    subject_prefix: str = ""
    ttl: float = 10.0
    wait: float = 600.0
    service: str = ""
    holder: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    _pending: int = field(default=0, init=False)
    _heartbeat: asyncio.Task[None] | None = field(default=None, init=False)
    _subscription: Any = field(default=None, init=False)
    _expired: set[str] = field(default_factory=set, init=False)

    @classmethod
    async def open(
        cls,
        nc: NATS,
        gpu_id: str,
        budget: int,
        manager: ResidencyManager,
        *,
        prefix: str = "",
        ttl: float = 10.0,
        wait: float = 600.0,
        service: str = "",
    ) -> GpuLease:
        """Join the ledger of `gpu_id` (creating the bucket if needed) and start heart-beating."""
        bucket = f"{prefix}_GPU_LEASES" if prefix else "GPU_LEASES"
        kv = await nc.jetstream().create_key_value(KeyValueConfig(bucket=bucket, history=1, storage=StorageType.FILE))
        lease = cls(
            nc,
            kv,
            ledger_key(gpu_id),
            budget,
            lambda: (manager.used_bytes, manager.idle_bytes),
            manager.release_idle,
            f"{prefix}." if prefix else "",
            ttl,
            wait,
            service,
        )
        lease._subscription = await nc.subscribe(lease._unload_subject(lease.holder), cb=lease._on_unload)
        await lease.settle()
        lease._heartbeat = asyncio.get_running_loop().create_task(lease._beat())
        return lease

    def _unload_subject(self, holder: str) -> str:
        return f"{self.subject_prefix}studio.gpu.unload.{holder}"

    # --- the ledger ---------------------------------------------------------------------------------
    async def _read(self) -> tuple[dict[str, Holder], int | None]:
        try:
            entry = await self.kv.get(self.key)
        except KeyNotFoundError:
            return {}, None
        return _parse(entry.value), entry.revision

    def _alive(self, holders: dict[str, Holder], now: float) -> dict[str, Holder]:
        alive = {}
        for name, holder in holders.items():
            if name == self.holder:
                continue
            if now - holder.seen > self.ttl:
                if name in self._expired:
                    continue
                self._expired.add(name)
                log.warning(
                    "GPU lease of %s (pid %d, %s) expired: %.1f GB freed for others",
                    holder.service or name,
                    holder.pid,
                    name,
                    holder.charged / GB,
                )
                continue
            alive[name] = holder
        return alive

    async def _write(self, others: dict[str, Holder], revision: int | None, now: float) -> bool:
        charged, idle = self.snapshot()
        mine = Holder(charged + self._pending, idle, now, self.service, os.getpid())
        value = _dump({**others, self.holder: mine})
        try:
            if revision is None:
                await self.kv.create(self.key, value)
            else:
                await self.kv.update(self.key, value, last=revision)
        except KeyWrongLastSequenceError:
            return False  # someone wrote in between (or created the key first): read again
        return True

    async def _store(self) -> dict[str, Holder]:
        """Write this process's current figures; return the other live holders."""
        while True:
            holders, revision = await self._read()
            now = time.time()
            others = self._alive(holders, now)
            if await self._write(others, revision, now):
                return others

    async def settle(self) -> None:
        """A reservation became a loaded model (or failed): write the real figures."""
        self._pending = 0
        await self._store()

    async def reserve(self, extra: int) -> None:
        """Wait until `extra` more bytes fit beside every other process's charge, asking idle ones to unload.

        Raises Overloaded after `wait` seconds (every other holder stayed busy).
        """
        deadline = time.monotonic() + self.wait
        while True:
            holders, revision = await self._read()
            now = time.time()
            others = self._alive(holders, now)
            charged, _ = self.snapshot()
            deficit = sum(h.charged for h in others.values()) + charged + extra - self.budget
            if deficit <= 0:
                self._pending = extra
                if await self._write(others, revision, now):
                    return
                self._pending = 0
                continue
            # This process's own idle models go first (another of its operations may have finished meanwhile).
            freed = await self.release_idle(deficit)
            if freed < deficit:
                freed += await self._ask_to_unload(others, deficit - freed)
            if freed > 0:
                continue
            if time.monotonic() > deadline:
                busy = ", ".join(f"{h.service or name} {h.charged / GB:.1f} GB" for name, h in others.items())
                raise Overloaded(
                    f"the GPU stayed full for {self.wait:.0f}s: {extra / GB:.1f} GB needed, "
                    f"budget {self.budget / GB:.1f} GB, busy: {busy or 'this process'}"
                )
            await asyncio.sleep(POLL_SECONDS)

    async def _ask_to_unload(self, others: dict[str, Holder], deficit: int) -> int:
        """Ask holders with idle models (largest idle first) to unload; return bytes they freed."""
        freed = 0
        for name, holder in sorted(others.items(), key=lambda item: -item[1].idle):
            if freed >= deficit or holder.idle <= 0:
                break
            try:
                reply = await self.nc.request(
                    self._unload_subject(name), json.dumps({"bytes": deficit - freed}).encode(), UNLOAD_TIMEOUT
                )
                freed += int(json.loads(reply.data).get("freed", 0))
            except (NatsTimeout, NoRespondersError, ValueError):
                continue  # gone or stuck: its entry expires if it stopped heart-beating
        return freed

    async def _on_unload(self, msg: Msg) -> None:
        try:
            needed = int(json.loads(msg.data).get("bytes", 0))
        except (ValueError, AttributeError):
            needed = 0
        freed = await self.release_idle(needed) if needed > 0 else 0
        await self._store()
        await msg.respond(json.dumps({"freed": freed}).encode())

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                await self._store()
            except Exception as error:  # noqa: BLE001 - NATS may be reconnecting; the next beat retries
                log.warning("GPU lease heartbeat failed: %s", error)

    async def close(self) -> None:
        """Leave the ledger (a clean shutdown frees the budget at once instead of after the TTL)."""
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        if self._subscription is not None:
            with contextlib.suppress(Exception):
                await self._subscription.unsubscribe()
        with contextlib.suppress(Exception):
            while True:
                holders, revision = await self._read()
                others = self._alive(holders, time.time())
                if revision is None:
                    return
                value = _dump(others)
                try:
                    await self.kv.update(self.key, value, last=revision)
                    return
                except KeyWrongLastSequenceError:
                    continue


# --- wiring: a process with a NATS connection joins the lease of each shared device ----------------

_connection: dict[str, Any] = {}
_joined: list[_LazyLease] = []


def enable_leases(nc: NATS, prefix: str, service: str) -> None:
    """Called by `studio serve` once NATS is connected: managers built after this join their device's lease."""
    _connection.update(nc=nc, prefix=prefix, service=service)


def join_lease(manager: ResidencyManager, settings: ResidencySettings) -> None:
    """Attach a lease to a new manager if the process has NATS and the device is shared (see ResidencySettings)."""
    wanted = settings.gpu_lease == "nats" or (settings.gpu_lease == "auto" and manager.device == "cuda")
    if not wanted or "nc" not in _connection:
        return
    lease = _LazyLease(manager, settings)
    manager.lease = lease
    _joined.append(lease)


async def close_leases() -> None:
    """Leave every ledger this process joined (on shutdown, after the models are unloaded)."""
    while _joined:
        await _joined.pop().close()
    _connection.clear()


@dataclass
class _LazyLease:
    """Opens the real lease on first use (managers are built in sync code; the lease needs the event loop)."""

    manager: ResidencyManager
    settings: ResidencySettings
    _lease: GpuLease | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def get(self) -> GpuLease:
        async with self._lock:
            if self._lease is None:
                gpu_id = self.settings.gpu_id
                if not gpu_id:
                    from studio.core.devices import gpu_uuid

                    gpu_id = await asyncio.to_thread(gpu_uuid)
                self._lease = await GpuLease.open(
                    _connection["nc"],
                    gpu_id,
                    self.manager.budget_bytes,
                    self.manager,
                    prefix=_connection["prefix"],
                    ttl=self.settings.gpu_lease_ttl_seconds,
                    wait=self.settings.load_wait_seconds,
                    service=_connection["service"],
                )
                log.info("joined the lease of GPU %s (budget %.1f GB)", gpu_id, self.manager.budget_bytes / GB)
            return self._lease

    async def reserve(self, extra: int) -> None:
        await (await self.get()).reserve(extra)

    async def settle(self) -> None:
        if self._lease is not None:  # nothing was ever reserved otherwise
            await self._lease.settle()

    async def close(self) -> None:
        if self._lease is not None:
            await self._lease.close()


_shared: dict[str, ResidencyManager] = {}


def shared_residency(device: str) -> ResidencyManager:
    """The process-wide manager for `device` ("cuda" or "cpu"), built from settings on first use.

    When the process has a NATS connection (`enable_leases`) and the
    device is shared, the manager joins the device's lease ledger.
    """
    if device not in _shared:
        settings = load_settings(ResidencySettings)
        manager = manager_for(device, settings)
        join_lease(manager, settings)
        _shared[device] = manager
    return _shared[device]
