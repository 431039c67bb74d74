"""Which director writes screenplays from briefings, read from STUDIO_DIRECTOR_* variables."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from studio.core.settings import StudioSettings

DEFAULT_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-sonnet-latest"}


class DirectorSettings(StudioSettings):
    model_config = SettingsConfigDict(env_prefix="STUDIO_DIRECTOR_", extra="ignore", frozen=True)

    #: "offline" builds a screenplay without a model; "openai" speaks the chat completions API
    #: (OpenAI, Ollama, vLLM, LM Studio); "anthropic" the Messages API.
    backend: Literal["offline", "openai", "anthropic"] = "offline"
    #: API base URL; empty = the backend's public API. Ollama: http://127.0.0.1:11434/v1
    url: str = ""
    model: str = ""
    api_key: SecretStr = SecretStr("")
    timeout: float = Field(default=120.0, gt=0)
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=4096, ge=256, le=65536)
    #: Ask OpenAI-compatible servers for strict JSON-schema output (`response_format: json_schema`); turn off
    #: for servers without structured output (the schema then goes into the prompt).
    json_mode: bool = True

    def base_url(self) -> str:
        return (self.url or DEFAULT_URLS.get(self.backend, "")).rstrip("/")

    def model_name(self) -> str:
        return self.model or DEFAULT_MODELS.get(self.backend, "")
