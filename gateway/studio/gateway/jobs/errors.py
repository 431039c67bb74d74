"""How a job's error is stored (generation_jobs.error_code) and what it stands for."""

from __future__ import annotations

from typing import Any

from studio.core.errors import StudioError, from_error_code
from studio.v1 import common_pb2

#: "invalid_argument" -> ERROR_CODE_INVALID_ARGUMENT.
ERROR_CODES = {name.removeprefix("ERROR_CODE_").lower(): number for name, number in common_pb2.ErrorCode.items()}


def error_code_name(code: int) -> str:
    return common_pb2.ErrorCode.Name(code).removeprefix("ERROR_CODE_").lower()  # type: ignore[arg-type]


def job_error(row: Any) -> StudioError:
    """The studio error a failed (or cancelled) job stands for."""
    code = ERROR_CODES.get(row["error_code"] or "", common_pb2.ERROR_CODE_INTERNAL)
    return from_error_code(code, row["error_message"] or f"job {row['id']} {row['status']}")
