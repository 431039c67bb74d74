"""The JSON Schema a language model must answer with: the screenplay, as structured-output APIs accept it.

OpenAI's strict `json_schema` and Anthropic's JSON-schema output format both
constrain decoding to a schema, but only to a subset of JSON Schema: every
property required (optional ones become nullable), no additional properties,
and no `default` or length/range keywords. This module derives that schema from
the screenplay models, keeping each dropped constraint as words in the field's
description, and without the fields a model must never fill (files, voices,
output, backends, seed). The answer is still validated against the screenplay
models, which enforce every constraint.
"""

from __future__ import annotations

import copy
from typing import Any

from studio.pipeline.screenplay import json_schema

#: Fields the model may not fill: media files, voices and rendering choices are for people.
EXCLUDED = {
    "Screenplay": {"narrator", "output", "backends", "seed"},
    "Character": {"voice"},
    "Portrait": {"image", "face", "seed"},
    "Scene": {"image"},
    "Music": {"backend"},
}
_SAID = {
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "pattern": "matching {}",
    "minimum": "at least {}",
    "maximum": "at most {}",
    "exclusiveMinimum": "more than {}",
    "exclusiveMaximum": "less than {}",
    "multipleOf": "a multiple of {}",
    "minItems": "at least {} items",
    "maxItems": "at most {} items",
    "default": "default {}",
}
_DROPPED = {*_SAID, "title", "format", "$schema", "$id"}


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    said = [template.format(node[key]) for key, template in _SAID.items() if key in node and key != "default"]
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "$defs"):  # names of fields and definitions, not keywords
            out[key] = {name: _strict(item) for name, item in value.items()}
        elif key not in _DROPPED:
            out[key] = _strict(value)
    if said:
        description = out.get("description", "")
        out["description"] = f"{description} ({'; '.join(said)})".strip()
    if out.get("type") == "object" and "properties" in out:
        required = set(node.get("required", ()))
        properties = {}
        for name, value in out["properties"].items():
            properties[name] = value if name in required else _nullable(value)
        out["properties"] = properties
        out["required"] = list(properties)
        out["additionalProperties"] = False
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    options = schema.get("anyOf")
    if isinstance(options, list):
        if any(option.get("type") == "null" for option in options):
            return schema
        return {**schema, "anyOf": [*options, {"type": "null"}]}
    description = schema.get("description")
    plain = {key: value for key, value in schema.items() if key != "description"}
    nullable: dict[str, Any] = {"anyOf": [plain, {"type": "null"}]}
    if description:
        nullable["description"] = description
    return nullable


def _used_defs(schema: dict[str, Any]) -> set[str]:
    used: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] not in used:
                used.add(ref[8:])
                walk(schema["$defs"][ref[8:]])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({key: value for key, value in schema.items() if key != "$defs"})
    return used


def director_schema() -> dict[str, Any]:
    """The screenplay schema a model answers with (see the module docstring)."""
    schema = copy.deepcopy(json_schema())
    for name, fields in EXCLUDED.items():
        target = schema if name == "Screenplay" else schema["$defs"][name]
        for field in fields:
            target["properties"].pop(field, None)
        target["required"] = [r for r in target.get("required", []) if r not in fields]
    used = _used_defs(schema)
    schema["$defs"] = {name: value for name, value in schema["$defs"].items() if name in used}
    return _strict(schema)  # type: ignore[no-any-return]


def without_nulls(value: Any) -> Any:
    """An answer with the nulls a strict schema forces dropped again (they mean "not given")."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value
