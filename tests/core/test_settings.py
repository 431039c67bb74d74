from __future__ import annotations

import pytest

from studio.core.errors import ConfigError
from studio.core.settings import StudioSettings, load_settings


def test_defaults_are_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STUDIO_ARTIFACTS", raising=False)
    settings = load_settings(StudioSettings)
    assert settings.artifacts == "local"
    assert settings.nats_url.startswith("nats://")


def test_malformed_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_WORKER_CONCURRENCY", "lots")
    with pytest.raises(ConfigError) as caught:
        load_settings(StudioSettings)
    message = caught.value.message
    assert "STUDIO_WORKER_CONCURRENCY" in message and "'lots'" in message
    assert "\n" not in message


def test_out_of_range_value_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_JOB_ACK_WAIT", "-1")
    with pytest.raises(ConfigError, match="STUDIO_JOB_ACK_WAIT"):
        load_settings(StudioSettings)


def test_s3_mode_requires_endpoint_and_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_ARTIFACTS", "s3")
    monkeypatch.setenv("STUDIO_S3_ENDPOINT", "http://127.0.0.1:9000")
    with pytest.raises(ConfigError) as caught:
        load_settings(StudioSettings)
    assert "STUDIO_S3_ACCESS_KEY" in caught.value.message
    assert "STUDIO_S3_ENDPOINT" not in caught.value.message.split("must")[0]


def test_settings_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_settings(StudioSettings)
    monkeypatch.setenv("STUDIO_LOG_LEVEL", "DEBUG")
    assert load_settings(StudioSettings) is first


def test_shared_settings_keep_their_names_in_component_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic_settings import SettingsConfigDict

    class ComponentSettings(StudioSettings):
        model_config = SettingsConfigDict(env_prefix="STUDIO_THING_", extra="ignore", frozen=True)
        speed: int = 1

    monkeypatch.setenv("STUDIO_MODELS_DIR", "/weights")
    monkeypatch.setenv("STUDIO_THING_SPEED", "3")
    settings = load_settings(ComponentSettings)
    assert (str(settings.models_dir), settings.speed) == ("/weights", 3)
    monkeypatch.setenv("STUDIO_DEVICE", "tpu")
    load_settings.cache_clear()
    with pytest.raises(ConfigError) as caught:
        load_settings(ComponentSettings)
    assert caught.value.message.startswith("invalid configuration: STUDIO_DEVICE:")


def test_settings_can_be_built_by_field_name() -> None:
    assert StudioSettings(nats_prefix="abc").nats_prefix == "abc"
