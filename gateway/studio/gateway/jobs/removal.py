"""Deleting assets' stored objects together with their rows, all or nothing.

The rows are deleted inside the caller's transaction, then the objects, before it commits: when
an object cannot be deleted the transaction rolls back and every row stays (a retry finishes the
job, since deleting an absent object is fine). An object another row still points at is kept.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from studio.core.errors import FailedPrecondition
from studio.gateway.context import Gateway


async def check_unused(gateway: Gateway, conn: asyncpg.Connection, owner_id: uuid.UUID, rows: Sequence[Any]) -> None:
    """FailedPrecondition when an unfinished job reads one of these assets as an input."""
    for row in rows:
        user = await gateway.jobs.unfinished_using(conn, owner_id, row["key"])
        if user is not None:
            raise FailedPrecondition(
                f"asset {row['id']} is an input of job {user}, which has not finished; wait for it or cancel it first"
            )


async def delete_objects(gateway: Gateway, conn: asyncpg.Connection, rows: Sequence[Any]) -> None:
    """Delete the stored objects of these (already deleted, uncommitted) rows that no other row uses."""
    keys = sorted({row["key"] for row in rows})
    shared = await gateway.assets.shared_keys(conn, keys, [row["id"] for row in rows])
    for key in keys:
        if key not in shared:
            await gateway.artifacts.delete(key)
