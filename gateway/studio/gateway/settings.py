"""Gateway settings: the shared STUDIO_* settings plus what only the gateway reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from studio.core.providers.secrets import register_secret
from studio.core.providers.settings import ProviderSettings
from studio.core.registry import SERVICES
from studio.core.settings import ENV_PREFIX, StudioSettings, load_settings
from studio.pipeline.director.settings import DirectorSettings

MIB = 1024 * 1024


def _addr(service: str) -> str:
    return f"127.0.0.1:{SERVICES[service].port}"


class GatewaySettings(StudioSettings):
    """Read once (`gateway_settings()`); every field is a STUDIO_<NAME> variable."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str = "postgresql://postgres@127.0.0.1:5432/studio"
    db_pool_size: int = Field(default=10, ge=1, le=200)

    #: A port of its own for /metrics, on STUDIO_METRICS_HOST (else STUDIO_HOST); the API port then answers
    #: 404 for /metrics. 0 = /metrics on the API port (compose and Kubernetes scrape it there).
    gateway_metrics_port: int = Field(default=0, ge=0, le=65535)

    #: Base URL put in links handed to clients ("https://studio.example.com"); empty = relative links.
    public_url: str = ""
    #: Browser origins allowed to call the API (the web UI's, e.g. ["http://localhost:3000"]).
    cors_origins: list[str] = Field(default_factory=list)
    #: The built web studio served at / (index.html + assets/); empty = the repository's web/dist.
    web_dir: str = ""
    #: The preset templates served at /api/v1/studio/templates; empty = the repository's templates/.
    templates_dir: str = ""
    #: The director that writes screenplays from briefings, read from its own STUDIO_DIRECTOR_* variables.
    director: DirectorSettings = Field(default_factory=lambda: load_settings(DirectorSettings))

    #: The hosted providers as the model servers see them (STUDIO_FAL_KEY…, STUDIO_*_URL, and
    #: STUDIO_PROVIDER_CREDENTIALS_SECRET, which seals tenants' keys onto their jobs): read from the same
    #: variables, for listings, readiness and sealing.
    providers: ProviderSettings = Field(default_factory=lambda: load_settings(ProviderSettings))
    #: Encrypts tenants' stored provider keys at rest: base64 of 32 random bytes, comma-separated, newest
    #: first (older ones still open keys sealed with them). Empty = tenants cannot store keys.
    provider_keys_secret: SecretStr = SecretStr("")
    provider_keys_secret_file: Path | None = None
    #: Monthly budget in USD of keys without one of their own (PUT /api/v1/budget); empty = no budget.
    default_monthly_budget_usd: float | None = Field(default=None, ge=0)

    audio_addr: str = _addr("audio")
    image_addr: str = _addr("image")
    video_addr: str = _addr("video")
    composer_addr: str = _addr("composer")

    #: HS256 secret for web UI tokens; empty = a random one per process (tokens die with it).
    jwt_secret: str = ""
    jwt_ttl_seconds: int = Field(default=3600, ge=60, le=30 * 24 * 3600)
    #: Seconds a verified key or token is trusted before it is checked again (how long a revocation takes).
    auth_cache_seconds: float = Field(default=10.0, ge=0)

    #: Requests per minute, per API key and per endpoint.
    rate_limit_read_per_minute: int = Field(default=600, ge=1)
    rate_limit_write_per_minute: int = Field(default=120, ge=1)
    #: Per-endpoint overrides by operation id, e.g. {"generate_speech": 30}.
    rate_limits: dict[str, int] = Field(default_factory=dict)

    max_upload_bytes: int = Field(default=25 * MIB, ge=1024)
    max_json_bytes: int = Field(default=1 * MIB, ge=1024)
    #: Accepted voice sample durations, in seconds.
    min_voice_sample_seconds: float = Field(default=10.0, ge=0)
    max_voice_sample_seconds: float = Field(default=300.0, gt=0)
    #: Longest accepted audio upload (narration, music) at /api/v1/assets, in seconds.
    max_audio_upload_seconds: float = Field(default=1800.0, gt=0)
    max_image_pixels: int = Field(default=64_000_000, ge=1)

    #: Dispatch order when slots are scarce (higher first), by service or by job type ("video.animate").
    job_priorities: dict[str, int] = Field(default_factory=lambda: {"audio": 3, "image": 2, "video": 1, "composer": 1})
    #: Jobs per service the gateway lets run at once; the rest wait in Postgres, by priority.
    max_concurrent_jobs: dict[str, int] = Field(
        default_factory=lambda: {"audio": 4, "image": 2, "video": 1, "composer": 2}
    )
    #: Cap across all services (0 = only the per-service caps).
    max_concurrent_jobs_total: int = Field(default=0, ge=0)
    #: Seconds between dispatcher sweeps when nothing wakes it (other replicas' work, lost wake-ups).
    dispatch_interval: float = Field(default=2.0, gt=0)

    allow_private_webhooks: bool = False
    webhook_max_attempts: int = Field(default=6, ge=1, le=30)
    #: First retry delay in seconds; doubles with each attempt.
    webhook_retry_base: float = Field(default=5.0, ge=0)
    webhook_timeout: float = Field(default=10.0, gt=0)

    #: Asset downloads: "redirect" to a presigned URL, "stream" through the gateway, "auto" (redirect on S3).
    download_mode: Literal["auto", "redirect", "stream"] = "auto"
    #: Longest the OpenAI-compatible endpoints wait for their job, in seconds.
    openai_wait_seconds: float = Field(default=300.0, gt=0)
    #: /readyz fails when a model server is not SERVING (off: they are reported but not required).
    ready_requires_services: bool = True
    grpc_health_timeout: float = Field(default=2.0, gt=0)

    @field_validator("default_monthly_budget_usd", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="before")
    @classmethod
    def _secret_from_file(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("provider_keys_secret_file") and not data.get("provider_keys_secret"):
            path = Path(str(data["provider_keys_secret_file"]))
            try:
                data["provider_keys_secret"] = path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise ValueError(f"STUDIO_PROVIDER_KEYS_SECRET_FILE: cannot read {path}: {error.strerror}") from None
        return data

    @model_validator(mode="after")
    def _register_secret(self) -> GatewaySettings:
        for part in self.provider_keys_secret.get_secret_value().split(","):
            register_secret(part.strip())
        return self

    def service_addr(self, service: str) -> str:
        return str(getattr(self, f"{service}_addr"))

    def priority(self, service: str, job_type: str = "") -> int:
        """A job type's own priority ("video.animate": 2) if configured, else its service's."""
        return self.job_priorities.get(job_type, self.job_priorities.get(service, 1))


def gateway_settings() -> GatewaySettings:
    return load_settings(GatewaySettings)
