"""Typed settings read once from STUDIO_* environment variables.

Every component defines a subclass of `StudioSettings` (with its own extra
fields) and reads it through `load_settings`, which turns validation errors
into one line naming the environment variable.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from studio.core.errors import ConfigError

ENV_PREFIX = "STUDIO_"


class StudioSettings(BaseSettings):
    """Settings every process shares: transports, artifacts, models, logging."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # Logging
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"

    # Artifacts
    artifacts: Literal["local", "s3"] = "local"
    artifacts_dir: Path = Path(".studio/artifacts")
    #: Required when artifacts=s3: "http://minio:9000" or "host:port".
    s3_endpoint: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "studio"
    s3_region: str = "us-east-1"
    s3_secure: bool = False
    #: Endpoint used in presigned URLs handed to clients, when it differs from s3_endpoint.
    s3_public_endpoint: str = ""

    # Jobs
    nats_url: str = "nats://127.0.0.1:4222"
    #: Prepended to every subject and stream name; lets test runs and tenants share one server.
    nats_prefix: str = ""
    #: Seconds a job may go without a heartbeat before JetStream hands it to another worker. Workers
    #: send one every quarter of it while a job runs, so this is how long a dead worker's jobs wait.
    job_ack_wait: float = Field(default=5.0, gt=0)
    #: Deliveries before a transiently failing job is failed for good.
    job_max_deliver: int = Field(default=5, ge=1)
    #: First retry delay in seconds; doubles with each attempt.
    job_retry_delay: float = Field(default=2.0, ge=0)
    #: Window in which a re-submitted job id is recognised as a duplicate.
    job_duplicate_window: float = Field(default=3600.0, gt=0)

    # Listening
    #: Address the gRPC server (and the gateway's HTTP server) binds: 0.0.0.0 in containers;
    #: `make up` sets 127.0.0.1 so nothing is reachable from other machines unless asked.
    host: str = "0.0.0.0"
    #: Address a model server's /metrics port binds; empty = the same as `host`.
    metrics_host: str = ""

    # Model servers
    #: Pull jobs from JetStream besides answering gRPC (off: gRPC only, no NATS needed).
    worker_enabled: bool = True
    #: Jobs one replica runs at once (it fetches no more than that from the shared consumer).
    worker_concurrency: int = Field(default=1, ge=1, le=1024)
    #: Seconds in-flight calls and jobs get to finish on shutdown.
    shutdown_grace: float = Field(default=30.0, ge=0)

    # Costs
    #: Unit price overrides in US dollars, JSON: {"fal:fal-ai/flux/schnell": 0.0035} (see `studio providers`).
    prices: dict[str, float] = Field(default_factory=dict)
    #: What an hour of the local GPU costs you, in US dollars: local GPU backends cost GPU-seconds x this.
    gpu_usd_per_hour: float = Field(default=0.0, ge=0)

    # Models
    models_dir: Path = Path("models")
    device: Literal["auto", "cpu", "cuda", "rocm"] = "auto"

    @model_validator(mode="after")
    def _s3_needs_endpoint_and_credentials(self) -> StudioSettings:
        if self.artifacts == "s3":
            missing = [
                f"{ENV_PREFIX}{name.upper()}"
                for name in ("s3_endpoint", "s3_access_key", "s3_secret_key")
                if not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"{', '.join(missing)} must be set when {ENV_PREFIX}ARTIFACTS=s3")
        return self


# pydantic-settings applies a subclass's env_prefix (STUDIO_AUDIO_) to inherited fields too;
# an explicit alias keeps every shared setting at STUDIO_<NAME> in every component.
for _name, _field in StudioSettings.model_fields.items():
    _field.validation_alias = AliasChoices(f"{ENV_PREFIX}{_name.upper()}", _name)
StudioSettings.model_rebuild(force=True)

SettingsT = TypeVar("SettingsT", bound=StudioSettings)


def _describe(error: ValidationError, cls: type[StudioSettings]) -> str:
    prefix = cls.model_config.get("env_prefix", ENV_PREFIX)
    parts = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        if not item["loc"]:  # a cross-field rule: its message names the variables
            parts.append(message)
            continue
        field = ".".join(str(p) for p in item["loc"])
        variable = field.upper() if field.upper().startswith(ENV_PREFIX) else f"{prefix}{field}".upper()
        value = item.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
        parts.append(f"{variable}: {message}{shown}")
    return "invalid configuration: " + "; ".join(parts)


@functools.cache
def load_settings(cls: type[SettingsT]) -> SettingsT:
    """Read `cls` from the environment once; raise ConfigError naming the variable."""
    try:
        return cls()
    except ValidationError as error:
        raise ConfigError(_describe(error, cls)) from None


def reset_settings_cache() -> None:
    """Forget loaded settings (tests change the environment between cases)."""
    load_settings.cache_clear()
