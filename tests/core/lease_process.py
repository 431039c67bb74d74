"""A model-server stand-in sharing a simulated GPU through the lease (driven over stdin by test_gpu_lease).

It builds its residency manager the way `studio serve` does (settings from the environment,
`enable_leases` with a NATS connection, `shared_residency`), "loads" models that really take
the memory they are charged for, and prints one JSON line per event.

Commands, one per line: `load NAME MB` (load, then leave it idle), `hold NAME MB SECONDS`
(load and keep it in use), `residents`, `quit`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import nats

from studio.core.gpu_lease import close_leases, enable_leases, shared_residency
from studio.core.placement import DeviceProfile, Footprint
from studio.core.residency import Loaded, ResidencyManager

MB = 1024**2


def say(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, "t": time.time(), **fields}), flush=True)


def loader(name: str, size: int):  # type: ignore[no-untyped-def]
    def load(_placement: object) -> Loaded[bytearray]:
        return Loaded(bytearray(size), release=lambda: say("unloaded", name=name))

    return load


async def run(manager: ResidencyManager, line: str) -> None:
    command, *args = line.split()
    if command in ("load", "hold"):
        name, size = args[0], int(float(args[1]) * MB)
        async with manager.use(name, Footprint.single(size, name), loader(name, size)):
            say("loaded", name=name)
            if command == "hold":
                await asyncio.sleep(float(args[2]))
        say("released", name=name)
    elif command == "residents":
        say("residents", names=[r.key for r in manager.residents()], used=manager.used_bytes)


async def main(service: str) -> None:
    nc = await nats.connect("nats://127.0.0.1:4222")
    enable_leases(nc, sys.argv[2], service)
    manager = shared_residency("cpu")
    manager.profile = DeviceProfile("simulated", 1e12, 1e11, 1e10, 1e10, kind="cpu")  # no torch needed here
    say("ready", budget=manager.budget_bytes)
    reader = asyncio.StreamReader()
    await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    tasks = set()
    while line := (await reader.readline()).decode().strip():
        if line == "quit":
            break
        task = asyncio.create_task(run(manager, line))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    await manager.close()
    await close_leases()
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
