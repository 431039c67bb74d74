"""`media_assets`: uploads and the artifacts jobs produce, scoped to their owner."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
import msgspec

from studio.core.errors import InvalidInput, NotFound
from studio.gateway.store.base import Db
from studio.v1.common_pb2 import ArtifactRef

_INSERT_INTO = (
    "INSERT INTO media_assets (id, owner_id, project_id, job_id, type, role, bucket, key, url, content_type, size, "
    " sha256, metadata)"
)
#: A job's (job, role) is recorded once however often its event is redelivered.
_ON_REPEAT = "ON CONFLICT (job_id, role) DO NOTHING"
#: Many rows in one statement of constant text (one prepared statement, whatever the count).
_INSERT_ALL = (
    f"{_INSERT_INTO} SELECT id, owner_id, project_id, job_id, type, role, bucket, key, url, content_type, size, "
    " sha256, metadata::jsonb FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], "
    " $7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::text[]) "
    " AS v(id, owner_id, project_id, job_id, type, role, bucket, key, url, content_type, size, sha256, metadata) "
    f"{_ON_REPEAT} RETURNING *"
)


def asset_type(content_type: str, role: str = "") -> str:
    major = content_type.split("/", 1)[0]
    if major in ("audio", "image", "video"):
        return major
    if content_type in ("text/vtt", "application/x-subrip") or role in ("srt", "vtt"):
        return "subtitles"
    if role.endswith("profile"):
        return "voice_profile"
    return "data"


def ref_of(row: Any) -> ArtifactRef:
    """The artifact an asset row points at."""
    return ArtifactRef(
        bucket=row["bucket"], key=row["key"], content_type=row["content_type"], size=row["size"], sha256=row["sha256"]
    )


def _values(
    owner_id: uuid.UUID,
    ref: ArtifactRef,
    role: str,
    job_id: uuid.UUID | None,
    project_id: uuid.UUID | None,
    metadata: dict[str, Any] | None,
    asset_id: uuid.UUID | None,
) -> tuple[Any, ...]:
    return (
        asset_id or uuid.uuid4(),
        owner_id,
        project_id,
        job_id,
        asset_type(ref.content_type, role),
        role,
        ref.bucket,
        ref.key,
        f"s3://{ref.bucket}/{ref.key}",
        ref.content_type or "application/octet-stream",
        ref.size,
        ref.sha256,
        metadata or {},
    )


class AssetStore:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def insert(
        self,
        *,
        owner_id: uuid.UUID,
        ref: ArtifactRef,
        role: str,
        job_id: uuid.UUID | None = None,
        project_id: uuid.UUID | None = None,
        metadata: dict[str, Any] | None = None,
        asset_id: uuid.UUID | None = None,
        conn: Db | None = None,
    ) -> asyncpg.Record | None:
        """Record an artifact; a job's (job, role) is recorded once however often its event is redelivered."""
        return await (conn or self.db).fetchrow(
            f"{_INSERT_INTO} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) {_ON_REPEAT} RETURNING *",
            *_values(owner_id, ref, role, job_id, project_id, metadata, asset_id),
        )

    async def insert_outputs(
        self, conn: Db, outputs: Sequence[tuple[Any, Iterable[tuple[str, ArtifactRef, dict[str, Any]]]]]
    ) -> dict[uuid.UUID, list[asyncpg.Record]]:
        """Finished jobs' artifacts, (job row, [(role, ref, metadata)]) each, in one statement: the rows
        it added, by job (a job whose outputs were recorded before gets none again)."""
        rows = [
            _values(job["owner_id"], ref, role, job["id"], job["project_id"], meta, None)
            for job, refs in outputs
            for role, ref, meta in refs
        ]
        by_job: dict[uuid.UUID, list[asyncpg.Record]] = {job["id"]: [] for job, _ in outputs}
        if not rows:
            return by_job
        columns = list(zip(*rows, strict=True))
        columns[-1] = tuple(msgspec.json.encode(meta).decode() for meta in columns[-1])
        inserted = await conn.fetch(_INSERT_ALL, *(list(column) for column in columns))
        for row in sorted(inserted, key=lambda row: (row["created_at"], row["role"])):
            by_job[row["job_id"]].append(row)
        return by_job

    async def get(self, owner_id: uuid.UUID, asset_id: uuid.UUID, conn: Db | None = None) -> asyncpg.Record:
        row = await (conn or self.db).fetchrow(
            "SELECT * FROM media_assets WHERE id = $1 AND owner_id = $2", asset_id, owner_id
        )
        if row is None:
            raise NotFound(f"asset {asset_id} not found")
        return row

    async def input(self, owner_id: uuid.UUID, asset_id: str, kind: str, field: str) -> asyncpg.Record:
        """An asset named as a job input: the caller's own, and of the right kind."""
        try:
            asset_uuid = uuid.UUID(asset_id)
        except ValueError:
            raise InvalidInput(f"{field}: {asset_id!r} is not an asset id (a UUID from an upload or a job)") from None
        row = await self.get(owner_id, asset_uuid)
        if row["type"] != kind:
            raise InvalidInput(f"{field}: asset {asset_id} is {row['type']}; a(n) {kind} asset is needed")
        return row

    async def page(
        self, owner_id: uuid.UUID, *, type_: str | None, project_id: uuid.UUID | None, limit: int, offset: int
    ) -> list[asyncpg.Record]:
        return list(
            await self.db.fetch(
                "SELECT * FROM media_assets WHERE owner_id = $1 AND ($2::text IS NULL OR type = $2) "
                "AND ($3::uuid IS NULL OR project_id = $3) ORDER BY created_at DESC, id LIMIT $4 OFFSET $5",
                owner_id,
                type_,
                project_id,
                limit,
                offset,
            )
        )

    async def of_project(self, owner_id: uuid.UUID, project_id: uuid.UUID, conn: Db | None = None) -> list[Any]:
        return list(
            await (conn or self.db).fetch(
                "SELECT * FROM media_assets WHERE project_id = $1 AND owner_id = $2 ORDER BY created_at",
                project_id,
                owner_id,
            )
        )

    async def of_jobs(
        self, job_ids: Sequence[uuid.UUID], conn: Db | None = None
    ) -> dict[uuid.UUID, list[asyncpg.Record]]:
        by_job: dict[uuid.UUID, list[asyncpg.Record]] = {job_id: [] for job_id in job_ids}
        if job_ids:
            rows = await (conn or self.db).fetch(
                "SELECT * FROM media_assets WHERE job_id = ANY($1::uuid[]) ORDER BY created_at, role", list(job_ids)
            )
            for row in rows:
                by_job[row["job_id"]].append(row)
        return by_job

    async def of_job(self, job_id: uuid.UUID) -> list[asyncpg.Record]:
        """A job's outputs by role (images.0, images.1, ...)."""
        return list(await self.db.fetch("SELECT * FROM media_assets WHERE job_id = $1 ORDER BY role", job_id))

    async def delete_with_job(
        self, conn: Db, owner_id: uuid.UUID, asset_id: uuid.UUID | None, job_id: uuid.UUID | None
    ) -> list[str]:
        """Delete an asset and a job's outputs; return their artifact keys (for the store to delete)."""
        rows = await conn.fetch(
            "DELETE FROM media_assets WHERE owner_id = $1 AND (id = $2 OR (job_id = $3 AND job_id IS NOT NULL)) "
            "RETURNING key",
            owner_id,
            asset_id,
            job_id,
        )
        return [row["key"] for row in rows]

    async def lock(self, conn: Db, owner_id: uuid.UUID, asset_id: uuid.UUID) -> asyncpg.Record:
        """An asset's row, locked until the caller's transaction ends."""
        row = await conn.fetchrow(
            "SELECT * FROM media_assets WHERE id = $1 AND owner_id = $2 FOR UPDATE", asset_id, owner_id
        )
        if row is None:
            raise NotFound(f"asset {asset_id} not found")
        return row

    async def shared_keys(self, conn: Db, keys: Sequence[str], but: Sequence[uuid.UUID]) -> set[str]:
        """Which of these artifact keys other asset rows (not in `but`) point at too (kept in the store)."""
        rows = await conn.fetch(
            "SELECT DISTINCT key FROM media_assets WHERE key = ANY($1::text[]) AND NOT (id = ANY($2::uuid[]))",
            list(keys),
            list(but),
        )
        return {row["key"] for row in rows}
