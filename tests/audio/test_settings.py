"""Audio settings: bad configuration fails at start-up naming the variable."""

from __future__ import annotations

import pytest

from studio.audio.runtime import AudioRuntime
from studio.audio.settings import AudioSettings
from studio.core.errors import ConfigError
from studio.core.settings import load_settings


def test_unsupported_rates_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_AUDIO_SAMPLE_RATE", "12345")
    with pytest.raises(ConfigError, match="STUDIO_AUDIO_SAMPLE_RATE"):
        load_settings(AudioSettings)


def test_models_dir_comes_from_the_shared_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("STUDIO_MODELS_DIR", str(tmp_path))
    runtime = AudioRuntime(load_settings(AudioSettings))
    chatterbox = next(m for m in runtime.models() if m.name == "chatterbox")
    assert chatterbox.path.startswith(str(tmp_path))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"speech_backend": "festival"}, "unknown speech backend 'festival'"),
        ({"music_backend": "suno"}, "unknown music backend 'suno'"),
        ({"preload": "espeak,nope"}, "STUDIO_AUDIO_PRELOAD: unknown backend 'nope'"),
    ],
)
def test_unknown_backends_fail_at_start_up(fields: dict[str, str], message: str) -> None:
    runtime = AudioRuntime(AudioSettings(**fields))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=message):
        runtime.startup_backends()
