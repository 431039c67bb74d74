"""The studio's error vocabulary, shared by gRPC, jobs and REST.

Handlers raise these; one interceptor (gRPC), one worker (jobs) and one
exception handler (REST) translate them, so every edge reports the same thing.
The gRPC status of each is named here (`grpc_status`) but grpc itself is not
imported: REST clients (the SDK) use this vocabulary without the gRPC stack.
"""

from __future__ import annotations

from studio.v1 import common_pb2


class StudioError(Exception):
    """Base class: an error whose message a user can act on."""

    #: The grpc.StatusCode's name.
    grpc_status: str = "INTERNAL"
    http_status: int = 500
    error_code: int = common_pb2.ERROR_CODE_INTERNAL
    #: A retry may succeed (the job transport naks with a delay instead of failing).
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(StudioError):
    """The request is wrong; the message says what was wrong and what is accepted."""

    grpc_status = "INVALID_ARGUMENT"
    http_status = 400
    error_code = common_pb2.ERROR_CODE_INVALID_ARGUMENT


class NotFound(StudioError):
    """A named thing (artifact, model, voice, job) does not exist."""

    grpc_status = "NOT_FOUND"
    http_status = 404
    error_code = common_pb2.ERROR_CODE_NOT_FOUND


class FailedPrecondition(StudioError):
    """The request is valid but the system is not in a state to serve it."""

    grpc_status = "FAILED_PRECONDITION"
    http_status = 409
    error_code = common_pb2.ERROR_CODE_FAILED_PRECONDITION


class ModelNotInstalled(FailedPrecondition):
    """The backend needs weights that are not in the models directory."""


class Overloaded(StudioError):
    """Too much work right now; try again later."""

    grpc_status = "RESOURCE_EXHAUSTED"
    http_status = 429
    error_code = common_pb2.ERROR_CODE_RESOURCE_EXHAUSTED
    retryable = True


class Unavailable(StudioError):
    """A dependency is temporarily unreachable."""

    grpc_status = "UNAVAILABLE"
    http_status = 503
    error_code = common_pb2.ERROR_CODE_UNAVAILABLE
    retryable = True


class Cancelled(StudioError):
    """The job was cancelled by its owner."""

    grpc_status = "CANCELLED"
    http_status = 409
    error_code = common_pb2.ERROR_CODE_CANCELLED


class ProviderFailed(StudioError):
    """A hosted provider accepted the job but did not deliver a result (failed, timed out, expired URL).

    Not retried automatically: the provider may already have charged for the attempt.
    """

    grpc_status = "ABORTED"
    http_status = 502


class ConfigError(StudioError):
    """Start-up configuration is missing, malformed or points at something unreachable."""


_BY_GRPC_STATUS: dict[str, type[StudioError]] = {
    cls.grpc_status: cls
    for cls in (InvalidInput, NotFound, FailedPrecondition, Overloaded, Unavailable, Cancelled, ProviderFailed)
}
_BY_ERROR_CODE: dict[int, type[StudioError]] = {
    cls.error_code: cls for cls in (InvalidInput, NotFound, FailedPrecondition, Overloaded, Unavailable, Cancelled)
}


def from_grpc_status(status: str, message: str) -> StudioError:
    """The studio error a gRPC client should raise for a failed call (`status`: the StatusCode's name)."""
    return _BY_GRPC_STATUS.get(status, StudioError)(message)


def from_error_code(code: int, message: str) -> StudioError:
    """The studio error for a failed job's ErrorCode."""
    return _BY_ERROR_CODE.get(code, StudioError)(message)
