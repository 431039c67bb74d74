"""Claims an Idempotency-Key the way a gateway does, then holds it until killed (SIGKILL by a test).

    idempotency_holder.py DATABASE_URL OWNER_ID KEY PATH BODY

Prints "claimed" once the claim is made; it renews the lease like a running request until the
process dies, so the test sees what a gateway killed mid-request leaves behind.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import asyncpg

from studio.gateway.http.idempotency import LEASE_SECONDS, _request_hash, held_claim
from studio.gateway.store.idempotency import IdempotencyStore


async def main(database_url: str, owner: str, key: str, path: str, body: str) -> None:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    store = IdempotencyStore(pool)
    headers = [(b"content-type", b"application/json")]
    scope: Any = {"method": "POST", "path": path, "query_string": b"", "headers": headers}
    holder = uuid.uuid4()
    owner_id = uuid.UUID(owner)
    claimed = await store.claim(owner_id, key, "POST", path, _request_hash(scope, body.encode()), holder, LEASE_SECONDS)
    print("claimed" if claimed else "taken", flush=True)
    async with held_claim(store, owner_id, key, holder):
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
