"""`studio avatar` and `studio animate`, embedded, as a user runs them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from studio.cli.main import app
from tests.video.conftest import probe_streams


@pytest.fixture
def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("STUDIO_ARTIFACTS_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("STUDIO_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("STUDIO_SERVER", raising=False)
    return CliRunner()


def test_no_face_exits_non_zero_with_the_message(
    studio: CliRunner, gradient_png: Path, speech_wav: Path, tmp_path: Path
) -> None:
    out = tmp_path / "a.mp4"
    result = studio.invoke(app, ["avatar", "--portrait", str(gradient_png), "--audio", str(speech_wav), "-o", str(out)])
    assert result.exit_code == 1
    assert "no face found in portrait" in result.output
    assert not out.exists()


def test_text_in_portuguese_gives_a_25fps_mp4_with_matching_audio(
    studio: CliRunner, astronaut_png: Path, tmp_path: Path
) -> None:
    out = tmp_path / "a.mp4"
    args = [
        "avatar",
        "--portrait",
        str(astronaut_png),
        "--text",
        "Olá! Eu sou a Luna.",
        "--lang",
        "pt-br",
        "-o",
        str(out),
    ]
    result = studio.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "phonemes" in result.output  # the audio service's timings drove the mouth
    streams = probe_streams(out)
    assert streams["video"]["r_frame_rate"] == "25/1" and streams["video"]["codec_name"] == "h264"
    assert abs(float(streams["video"]["duration"]) - float(streams["audio"]["duration"])) <= 0.04
    # The user's portrait copy was removed from the store; only the outputs remain.
    assert not list((tmp_path / "store").rglob("astronaut.png"))


def test_audio_file_with_a_face_box_and_720p(
    studio: CliRunner, astronaut_png: Path, phrase_wav: Path, tmp_path: Path
) -> None:
    out = tmp_path / "wide.mp4"
    args = ["avatar", "--portrait", str(astronaut_png), "--audio", str(phrase_wav), "--size", "1280x720"]
    result = studio.invoke(app, [*args, "--face", "178,69,92,92", "--fps", "15", "-o", str(out)])
    assert result.exit_code == 0, result.output
    video = probe_streams(out)["video"]
    assert (video["width"], video["height"], video["r_frame_rate"]) == ("1280", "720", "15/1")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--audio FILE or --text TEXT"),
        (["--audio", "x.wav", "--text", "hi"], "one of them"),
        (["--audio", "x.wav", "--face", "1,2,3"], "x,y,w,h"),
        (["--audio", "x.wav", "--size", "huge"], "WIDTHxHEIGHT"),
        (["--audio", "missing.wav"], "no such file"),
    ],
)
def test_usage_errors(studio: CliRunner, astronaut_png: Path, tmp_path: Path, extra: list[str], message: str) -> None:
    result = studio.invoke(app, ["avatar", "--portrait", str(astronaut_png), *extra, "-o", str(tmp_path / "a.mp4")])
    assert result.exit_code != 0
    assert message in result.output


def test_animate(studio: CliRunner, astronaut_png: Path, tmp_path: Path) -> None:
    out = tmp_path / "clip.mp4"
    args = ["animate", str(astronaut_png), "--motion", "slow zoom in", "--duration", "0.6", "--size", "256x256"]
    result = studio.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "zoom in" in result.output
    video = probe_streams(out)["video"]
    assert (video["width"], video["nb_frames"]) == ("256", "15")
