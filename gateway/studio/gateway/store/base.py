"""What every store shares: where its queries go."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg

#: A pool, or one connection (inside a transaction, or the CLI's own).
Db: TypeAlias = asyncpg.Pool | asyncpg.Connection
