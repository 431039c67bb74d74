"""The artifacts inside a job's result, found by walking the message (any result type works),
and the sweep of what attempts that did not count left behind."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from studio.core.artifacts.base import ArtifactStore
from studio.gateway.jobs.ids import submission_id
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


def _attempt(key: str, run: str) -> str | None:
    """The attempt folder of a key under `runs/<run>/<attempt>/...`, None for any other key."""
    parts = key.split("/")
    return parts[2] if len(parts) > 3 and parts[0] == "runs" and parts[1] == run else None


async def sweep_losing_attempts(
    artifacts: ArtifactStore, job_id: uuid.UUID, dispatch: int, attempts: int, kept: Iterable[str]
) -> list[str]:
    """Remove the outputs of a completed job's attempts that did not count; return their keys.

    Each attempt writes under `runs/<submission>/<attempt>/` and the recorded result names the
    winner's keys (`kept`): every other attempt of this dispatch, and every attempt of an earlier
    dispatch, is litter (a worker killed after writing, before recording). Nothing the result
    names is touched, and when the result names no key of this dispatch nothing of it is.
    """
    kept = set(kept)
    current = submission_id(job_id, dispatch)
    winners = {attempt for key in kept if (attempt := _attempt(key, current)) is not None}
    if dispatch <= 1 and attempts <= 1 and winners <= {"1"}:
        return []  # one attempt of one dispatch: nobody else wrote anything
    removed: list[str] = []
    for earlier in range(1, dispatch):
        run = submission_id(job_id, earlier)
        for key in await artifacts.keys(f"runs/{run}/"):
            if key not in kept:
                await artifacts.delete(key)
                removed.append(key)
    if len(winners) == 1:
        for key in await artifacts.keys(f"runs/{current}/"):
            if key not in kept and _attempt(key, current) not in winners:
                await artifacts.delete(key)
                removed.append(key)
    return removed
