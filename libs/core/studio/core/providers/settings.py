"""Provider settings (STUDIO_*): keys, API bases, waiting and retry limits, price overrides.

Every key may come from its variable (STUDIO_FAL_KEY) or from a secret file
(STUDIO_FAL_KEY_FILE=/run/secrets/fal), the way container orchestrators mount secrets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from studio.core.errors import ConfigError
from studio.core.providers.catalog import PROVIDERS, ProviderInfo
from studio.core.providers.secrets import register_secret
from studio.core.settings import ENV_PREFIX, StudioSettings

KEY_FIELDS = (*(field for info in PROVIDERS.values() for field in info.key_fields), "provider_credentials_secret")
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "[::1]", "localhost")


class ProviderSettings(StudioSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # Keys (each also readable from <NAME>_FILE)
    fal_key: SecretStr = SecretStr("")
    replicate_key: SecretStr = SecretStr("")
    elevenlabs_key: SecretStr = SecretStr("")
    kling_access_key: SecretStr = SecretStr("")
    kling_secret_key: SecretStr = SecretStr("")
    runway_key: SecretStr = SecretStr("")
    luma_key: SecretStr = SecretStr("")
    minimax_key: SecretStr = SecretStr("")
    fal_key_file: Path | None = None
    replicate_key_file: Path | None = None
    elevenlabs_key_file: Path | None = None
    kling_access_key_file: Path | None = None
    kling_secret_key_file: Path | None = None
    runway_key_file: Path | None = None
    luma_key_file: Path | None = None
    minimax_key_file: Path | None = None
    #: Opens the provider keys a job may carry for its tenant (base64 of 32 bytes, shared with the gateway).
    provider_credentials_secret: SecretStr = SecretStr("")
    provider_credentials_secret_file: Path | None = None

    # API bases (point them at local fakes for tests and demos)
    fal_url: str = "https://queue.fal.run"
    replicate_url: str = "https://api.replicate.com"
    elevenlabs_url: str = "https://api.elevenlabs.io"
    kling_url: str = "https://api-singapore.klingai.com"
    runway_url: str = "https://api.dev.runwayml.com"
    luma_url: str = "https://api.lumalabs.ai/dream-machine/v1"
    minimax_url: str = "https://api.minimax.io"

    #: Extra result hosts per provider, JSON: {"kling": ["cdn.example.com", "*.example.net"]}.
    provider_result_hosts: dict[str, list[str]] = Field(default_factory=dict)
    #: Longest a provider job may take from submission to result, in seconds (then it is cancelled).
    provider_timeout: float = Field(default=900.0, gt=0)
    #: Timeout of one HTTP request to a provider, in seconds.
    provider_request_timeout: float = Field(default=60.0, gt=0)
    #: First pause between status polls; it grows by half each poll up to provider_poll_max_seconds.
    provider_poll_seconds: float = Field(default=2.0, gt=0)
    provider_poll_max_seconds: float = Field(default=15.0, gt=0)
    #: Retries of a request answered 429 or 5xx (or not answered) before the job fails.
    provider_retries: int = Field(default=4, ge=0, le=20)
    #: Longest single wait before a retry; a Retry-After asking for more fails the request at once.
    provider_retry_max_wait: float = Field(default=60.0, ge=0)
    #: Largest result file a provider may hand back, in bytes.
    provider_max_result_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    #: TESTS AND LOCAL DEMOS ONLY: accept http:// and loopback addresses (127.0.0.1, ::1, localhost)
    #: as provider API bases and result URLs, so local fake providers can stand in for the real ones.
    #: Off by default; private and link-local addresses stay refused even when on.
    provider_allow_loopback_for_tests: bool = False

    @model_validator(mode="before")
    @classmethod
    def _keys_from_files(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for field in KEY_FIELDS:
            path = data.get(f"{field}_file")
            if path and not data.get(field):
                try:
                    data[field] = Path(str(path)).read_text(encoding="utf-8").strip()
                except OSError as error:
                    raise ValueError(
                        f"{ENV_PREFIX}{field.upper()}_FILE: cannot read {path}: {error.strerror}"
                    ) from None
        return data

    @model_validator(mode="after")
    def _register_keys(self) -> ProviderSettings:
        for field in KEY_FIELDS:
            register_secret(getattr(self, field).get_secret_value())
        return self

    def key(self, info: ProviderInfo) -> str:
        """The deployment's key for `info` ("ACCESS:SECRET" for Kling), "" when not configured."""
        values = [getattr(self, field).get_secret_value() for field in info.key_fields]
        return ":".join(values) if all(values) else ""

    def api_url(self, info: ProviderInfo) -> str:
        """The provider's API base, checked: https, or http on loopback when testing with fakes."""
        url = str(getattr(self, info.url_field)).rstrip("/")
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            return url
        if parts.scheme == "http" and self.provider_allow_loopback_for_tests and parts.hostname in LOOPBACK_HOSTS:
            return url
        raise ConfigError(
            f"STUDIO_{info.url_field.upper()}: {url!r} is not an https URL; keys are only sent over https "
            "(http on loopback needs STUDIO_PROVIDER_ALLOW_LOOPBACK_FOR_TESTS=true)"
        )

    def result_hosts(self, info: ProviderInfo) -> tuple[str, ...]:
        return (*info.result_hosts, *self.provider_result_hosts.get(info.name, ()))
