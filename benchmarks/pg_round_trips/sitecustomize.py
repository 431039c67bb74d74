"""Counts the gateway's PostgreSQL round trips by statement (benchmarks.gateway --queries FILE).

Loaded through PYTHONPATH into the gateway process only: every asyncpg statement (a simple query,
a prepared one, an executemany batch) is one round trip; the counts go to $STUDIO_BENCH_QUERIES
when the process exits.
"""

from __future__ import annotations

import atexit
import collections
import os
import sys
from typing import Any

_OUT = os.environ.get("STUDIO_BENCH_QUERIES")

if _OUT and "gateway" in sys.argv:
    import asyncpg.connection

    counts: collections.Counter[str] = collections.Counter()
    connection = asyncpg.connection.Connection
    execute, prepared, many = connection.execute, connection._execute, connection.executemany

    def _head(query: str) -> str:
        return " ".join(query.split())[:100]

    async def _counted_execute(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # with arguments it goes through _execute, counted there
            counts[_head(query)] += 1
        return await execute(self, query, *args, **kwargs)

    async def _counted_prepared(self: Any, query: str, args: Any, limit: Any, timeout: Any, **kwargs: Any) -> Any:
        counts[_head(query)] += 1
        return await prepared(self, query, args, limit, timeout, **kwargs)

    async def _counted_many(self: Any, command: str, args: Any, **kwargs: Any) -> Any:
        counts[_head(command)] += 1
        return await many(self, command, args, **kwargs)

    connection.execute = _counted_execute  # type: ignore[method-assign]
    connection._execute = _counted_prepared  # type: ignore[method-assign]
    connection.executemany = _counted_many  # type: ignore[method-assign]

    @atexit.register
    def _write(path: str = _OUT) -> None:
        with open(path, "w") as out:
            out.writelines(f"{n}\t{query}\n" for query, n in counts.most_common())
