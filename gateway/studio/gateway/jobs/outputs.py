"""The artifacts inside a job's result, found by walking the message (any result type works)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from studio.v1.common_pb2 import ArtifactRef

_ARTIFACT = ArtifactRef.DESCRIPTOR.full_name
_SCALARS_TO_SKIP = {"backend"}


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
