"""Asset rows: recording a job's artifacts, reading them back, downloads."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import asyncpg
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from studio.core.errors import InvalidInput, NotFound
from studio.gateway.context import Gateway
from studio.gateway.domain.jobs.schemas import Asset, AssetLinks
from studio.gateway.links import link
from studio.v1.common_pb2 import ArtifactRef

_ARTIFACT = ArtifactRef.DESCRIPTOR.full_name
_SCALARS_TO_SKIP = {"backend"}


def asset_type(content_type: str, role: str = "") -> str:
    major = content_type.split("/", 1)[0]
    if major in ("audio", "image", "video"):
        return major
    if content_type in ("text/vtt", "application/x-subrip") or role in ("srt", "vtt"):
        return "subtitles"
    if role.endswith("profile"):
        return "voice_profile"
    return "data"


def _scalars(message: Message) -> dict[str, Any]:
    """The plain fields next to an artifact (duration, size, seed): useful asset metadata."""
    out: dict[str, Any] = {}
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE and not field.is_repeated and field.name not in _SCALARS_TO_SKIP:
            out[field.name] = value
    return out


def artifact_refs(message: Message, prefix: str = "") -> Iterator[tuple[str, ArtifactRef, dict[str, Any]]]:
    """Every ArtifactRef inside a result, with its field path ("images.0.image") and sibling scalars."""
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        items = list(enumerate(value)) if field.is_repeated else [(None, value)]
        for index, item in items:
            path = f"{prefix}{field.name}" if index is None else f"{prefix}{field.name}.{index}"
            if item.DESCRIPTOR.full_name == _ARTIFACT:
                if item.key:
                    yield path, item, _scalars(message)
            else:
                yield from artifact_refs(item, f"{path}.")


async def insert_asset(
    conn: asyncpg.Connection | asyncpg.Pool,
    *,
    owner_id: uuid.UUID,
    ref: ArtifactRef,
    role: str,
    job_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
    metadata: dict[str, Any] | None = None,
    asset_id: uuid.UUID | None = None,
) -> asyncpg.Record | None:
    """Record an artifact; a job's (job, role) is recorded once however often its event is redelivered."""
    return await conn.fetchrow(
        "INSERT INTO media_assets (id, owner_id, project_id, job_id, type, role, bucket, key, url, content_type, size, "
        " sha256, metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
        "ON CONFLICT (job_id, role) DO NOTHING RETURNING *",
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


async def fetch_asset(
    conn: asyncpg.Connection | asyncpg.Pool, owner_id: uuid.UUID, asset_id: uuid.UUID
) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM media_assets WHERE id = $1 AND owner_id = $2", asset_id, owner_id)
    if row is None:
        raise NotFound(f"asset {asset_id} not found")
    return row


def ref_of(row: asyncpg.Record) -> ArtifactRef:
    return ArtifactRef(
        bucket=row["bucket"], key=row["key"], content_type=row["content_type"], size=row["size"], sha256=row["sha256"]
    )


def asset_out(gateway: Gateway, row: asyncpg.Record) -> Asset:
    asset_id = str(row["id"])
    return Asset(
        id=asset_id,
        type=row["type"],
        role=row["role"],
        content_type=row["content_type"],
        size=row["size"],
        sha256=row["sha256"],
        job_id=str(row["job_id"]) if row["job_id"] else None,
        project_id=str(row["project_id"]) if row["project_id"] else None,
        metadata=row["metadata"] or {},
        created_at=row["created_at"],
        links=AssetLinks(
            self_=link(gateway, f"/api/v1/assets/{asset_id}"),
            download=link(gateway, f"/api/v1/assets/{asset_id}/download"),
        ),
    )


async def input_asset(
    conn: asyncpg.Connection | asyncpg.Pool, owner_id: uuid.UUID, asset_id: str, kind: str, field: str
) -> asyncpg.Record:
    """An asset named as a job input: the caller's own, and of the right kind."""
    try:
        asset_uuid = uuid.UUID(asset_id)
    except ValueError:
        raise InvalidInput(f"{field}: {asset_id!r} is not an asset id (a UUID from an upload or a job)") from None
    row = await fetch_asset(conn, owner_id, asset_uuid)
    if row["type"] != kind:
        raise InvalidInput(f"{field}: asset {asset_id} is {row['type']}; a(n) {kind} asset is needed")
    return row
