"""The single-modality commands against a gateway (`studio --server URL --key KEY speak ...`).

A job's `result` is the service's result message as JSON (proto field names), so it parses
back into the same protobuf type the embedded path returns and each command prints the same
summary either way. Errors (401, 404, problem+json, failed jobs) are the SDK's studio errors,
which `run_async` turns into one line on stderr.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message

from studio.cli.state import CliState
from studio.core.errors import InvalidInput, StudioError
from studio.sdk.client import AsyncStudioClient
from studio.sdk.types import Job

M = TypeVar("M", bound=Message)


def remote_client(state: CliState) -> AsyncStudioClient:
    return AsyncStudioClient(state.server, state.key)


def embedded_only(**options: object) -> None:
    """Refuse options the gateway's REST request has no field for, rather than ignoring them."""
    given = [name for name, value in options.items() if value not in (None, "", False)]
    if given:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in given)
        raise InvalidInput(f"{flags}: not available with --server (the gateway's request has no such field)")


def parsed(data: Mapping[str, Any] | None, result: M) -> M:
    """A job's result (or a voice's details) as the service's own result message."""
    json_format.ParseDict(dict(data or {}), result, ignore_unknown_fields=True)
    return result


async def submit(client: AsyncStudioClient, path: str, body: Mapping[str, Any], result: M) -> tuple[Job, M]:
    """POST a generation request with every field the REST schema takes, wait for the job, parse its result."""
    job = await client.submit(path, body)
    return job, parsed(job.result, result)


async def download(client: AsyncStudioClient, job: Job, role: str, dest: Path) -> Path:
    """Write the job's output asset at `role` to `dest` (atomically)."""
    asset = job.asset(role)
    if asset is None:
        raise StudioError(f"job {job.id} completed without a {role!r} output")
    return await client.download(asset, dest)
