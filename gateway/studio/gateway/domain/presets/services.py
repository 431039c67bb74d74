"""Checking a preset before it is kept: every refusal names the field and what is accepted."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import msgspec

from studio.core.errors import InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.domain.presets.schemas import MAX_VALUES_BYTES, PRESET_KINDS, Preset, PresetCreate
from studio.gateway.errors import PayloadTooLarge
from studio.gateway.requests import is_label


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


def _text(value: str, field: str) -> str:
    """Trimmed; some visible character and no control characters (NUL, line breaks: Postgres or a form cannot
    keep them). The decoder checks the same pattern (LABEL_PATTERN); this also serves callers that do not decode."""
    if not is_label(value):
        raise InvalidInput(
            f"{field}: must hold a visible character and no control characters such as NUL or line breaks"
        )
    return value.strip()


def _nul_at(values: dict[str, Any]) -> str | None:
    """Where a NUL character is in the values (Postgres' JSON cannot store one), walked without recursion."""
    pending: list[tuple[str, Any]] = [("values", values)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return where
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    return f"{where} (a key)"
                pending.append((f"{where}.{key}", item))
        elif isinstance(value, list):
            pending.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    return None


async def create_preset(gateway: Gateway, owner_id: uuid.UUID, data: PresetCreate) -> Preset:
    name = _text(data.name, "name")
    kind = check_kind(data.kind)
    tags = list(dict.fromkeys(_text(tag, f"tags[{index}]") for index, tag in enumerate(data.tags)))
    size = len(msgspec.json.encode(data.values))
    if size > MAX_VALUES_BYTES:
        raise PayloadTooLarge(
            f"values: the preset's values take {size} bytes of JSON; at most {MAX_VALUES_BYTES} (64 kB) are kept. "
            "Leave out large fields (an uploaded file's contents, for instance) and keep only the settings"
        )
    nul = _nul_at(data.values)
    if nul is not None:
        raise InvalidInput(f"{nul}: contains a NUL character (\\u0000), which cannot be stored; remove it")
    return preset_out(await gateway.presets.create(owner_id, name, kind, tags, data.values))
