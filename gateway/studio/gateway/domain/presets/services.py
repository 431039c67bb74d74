"""Checking a preset before it is kept: every refusal names the field and what is accepted."""

from __future__ import annotations

import uuid

import asyncpg
import msgspec

from studio.core.errors import InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.domain.presets.schemas import MAX_VALUES_BYTES, PRESET_KINDS, Preset, PresetCreate
from studio.gateway.errors import PayloadTooLarge


def preset_out(row: asyncpg.Record) -> Preset:
    return Preset(
        id=str(row["id"]),
        name=row["name"],
        kind=row["kind"],
        tags=list(row["tags"]),
        values=row["form_values"],
        created_at=row["created_at"],
    )


def check_kind(kind: str, field: str = "kind") -> str:
    if kind not in PRESET_KINDS:
        raise InvalidInput(f"{field}: {kind!r} is not a preset kind; accepted: {', '.join(PRESET_KINDS)}")
    return kind


async def create_preset(gateway: Gateway, owner_id: uuid.UUID, data: PresetCreate) -> Preset:
    # The decoder refused names and tags without a visible character or with control characters
    # (LABEL_PATTERN), and the input check refused NUL anywhere in the body, values included.
    name = data.name.strip()
    kind = check_kind(data.kind)
    tags = list(dict.fromkeys(tag.strip() for tag in data.tags))
    size = len(msgspec.json.encode(data.values))
    if size > MAX_VALUES_BYTES:
        raise PayloadTooLarge(
            f"values: the preset's values take {size} bytes of JSON; at most {MAX_VALUES_BYTES} (64 kB) are kept. "
            "Leave out large fields (an uploaded file's contents, for instance) and keep only the settings"
        )
    return preset_out(await gateway.presets.create(owner_id, name, kind, tags, data.values))
