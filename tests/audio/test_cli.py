"""Acceptance: `studio speak` and `studio music`, embedded, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from studio.cli.main import app
from studio.core.media import AUDIO, unsupported
from tests.audio.conftest import assert_monotonic, median_f0

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("STUDIO_ARTIFACTS_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("STUDIO_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("STUDIO_SERVER", raising=False)
    return CliRunner()


def test_speak_portuguese(studio: CliRunner, tmp_path: Path) -> None:
    out, timings = tmp_path / "out.wav", tmp_path / "out.json"
    text = "Olá, sou seu assistente de inteligência artificial."
    result = studio.invoke(app, ["speak", text, "--lang", "pt-br", "-o", str(out), "--timings", str(timings)])
    assert result.exit_code == 0, result.output
    samples, rate = sf.read(out)
    duration = len(samples) / rate
    assert duration >= 2.0
    frames = samples[: len(samples) // 240 * 240].reshape(-1, 240)  # 10 ms frames
    assert np.mean(np.sqrt(np.mean(frames**2, axis=1)) > 0.02) > 0.5  # speech energy most of the time
    words = json.loads(timings.read_text())["words"]
    assert [w["word"] for w in words] == ["Olá", "sou", "seu", "assistente", "de", "inteligência", "artificial"]
    assert_monotonic([(w["word"], w["start"], w["end"]) for w in words], duration)
    assert abs(words[-1]["end"] - duration) <= 0.1 * duration


@pytest.mark.slow
def test_voice_samples_change_the_voice(studio: CliRunner, references: dict[str, Path], tmp_path: Path) -> None:
    f0 = {}
    for name in ("low", "high"):
        out = tmp_path / f"{name}.mp3"
        args = ["speak", "A registered voice reads this sentence aloud.", "--voice-sample", str(references[name])]
        result = studio.invoke(app, [*args, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "15 s or more clones best" in result.output  # the ~14 s references get the advice
        f0[name] = median_f0(out)
    gap = median_f0(references["high"]) - median_f0(references["low"])
    assert f0["high"] - f0["low"] >= 0.5 * gap > 0
    assert not list((tmp_path / "store").rglob("low.wav"))  # the uploaded copy is removed


@pytest.mark.parametrize("sample", ["readme", "short"])
def test_bad_voice_samples_fail_with_one_line(
    studio: CliRunner, references: dict[str, Path], tmp_path: Path, sample: str
) -> None:
    path = REPO / "README.md" if sample == "readme" else references["short"]
    out = tmp_path / "x.wav"
    result = studio.invoke(app, ["speak", "x", "--voice-sample", str(path), "-o", str(out)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: sample ")
    assert ("not audio" if sample == "readme" else "15 s or more") in lines[0]
    assert not out.exists()
    store = tmp_path / "store"
    assert not [p for p in store.rglob("*") if p.is_file() and not p.name.startswith(".")]  # nothing left behind


@pytest.mark.slow
def test_console_script_reports_errors_without_traceback(tmp_path: Path) -> None:
    """The installed `studio` command itself (what a user runs from a fresh clone)."""
    env = {**os.environ, "STUDIO_ARTIFACTS_DIR": str(tmp_path / "store")}
    env.pop("STUDIO_SERVER", None)
    studio = Path(sys.executable).with_name("studio")
    done = subprocess.run(
        [str(studio), "speak", "x", "--voice-sample", str(REPO / "README.md"), "-o", str(tmp_path / "x.wav")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [f"error: {unsupported(AUDIO, 'sample')}"]
    assert "Traceback" not in done.stdout + done.stderr


def test_music_twenty_seconds(studio: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "m.wav"
    result = studio.invoke(app, ["music", "calm warm piano", "--duration", "20", "-o", str(out)])
    assert result.exit_code == 0, result.output
    samples, rate = sf.read(out, always_2d=True)
    assert samples.shape[1] == 2
    assert abs(len(samples) / rate - 20.0) <= 0.1
    assert np.sqrt(np.mean(samples**2)) > 0.05


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["speak", "hi", "-o", "out.xyz"], "unknown audio format"),
        (["speak", "hi", "--format", "aiff", "-o", "o.wav"], "unknown audio format"),
        (["speak", "", "-o", "o.wav"], "text: is empty"),
        (["speak", "hi", "--voice-sample", "missing.wav", "-o", "o.wav"], "no such file"),
        (["speak", "hi", "--backend", "nope", "-o", "o.wav"], "unknown speech backend"),
        (["music", "calm", "--duration", "-1", "-o", "m.wav"], "duration_seconds"),
        (["music", "calm", "--duration", "5", "--backend", "musicgen", "-o", "m.wav"], "studio models download"),
    ],
)
def test_bad_arguments(
    studio: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = studio.invoke(app, args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
