"""`studio render`, `jobs` and `voices clone`: bad invocations fail with one clear line and write nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from studio.cli.main import app
from tests.studio.fake_gateway import KEY, FakeGateway, serve_over_http

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stderr


def one_line_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert "Traceback" not in output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (("render", "-o", "x.mp4"), 2, "give a screenplay file or --briefing"),
        (("render", "s.yaml", "--briefing", "a story", "-o", "x.mp4"), 2, "one of the two"),
        (("jobs",), 2, "give --server URL --key KEY"),
        (("--server", "http://127.0.0.1:9", "--key", "k", "jobs"), 1, "unreachable"),
        (("--server", "127.0.0.1:8080", "--key", "k", "jobs"), 1, "not an http(s) URL"),
    ],
)
def test_bad_invocations(args: tuple[str, ...], code: int, expected: str) -> None:
    exit_code, stderr = invoke(*args)
    assert exit_code == code
    assert expected in one_line_error(stderr)


def test_invalid_screenplay_and_output_write_nothing(tmp_path: Path) -> None:
    screenplay = tmp_path / "bad.yaml"
    screenplay.write_text("title: t\nscenes:\n  - duration: -3\n    prompt: a hill\n")
    out = tmp_path / "out" / "film.mp4"
    code, stderr = invoke("render", str(screenplay), "-o", str(out))
    assert code == 1
    assert "scenes[0].duration: Input should be greater than 0" in one_line_error(stderr)
    code, stderr = invoke("render", str(screenplay), "-o", str(tmp_path / "film.avi"))
    assert code == 1 and "must end in .mp4 or .webm" in one_line_error(stderr)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("film.*"))


def test_missing_media_file_is_named(tmp_path: Path) -> None:
    screenplay = tmp_path / "s.yaml"
    screenplay.write_text(
        "title: t\ncharacters:\n  - name: Ana\n    portrait: {image: ana.png}\n"
        "scenes:\n  - {duration: 2, speaker: Ana, narration: Oi!}\n"
    )
    code, stderr = invoke("render", str(screenplay), "-o", str(tmp_path / "film.mp4"))
    assert code == 1
    line = one_line_error(stderr)
    assert "characters[0].portrait.image: no such file" in line and "ana.png" in line


def test_voices_clone_needs_a_file() -> None:
    code, stderr = invoke("--server", "http://127.0.0.1:9", "--key", "k", "voices", "clone", "nope.wav", "--name", "N")
    assert code == 1 and "nope.wav: no such file" in one_line_error(stderr)


def test_gateway_commands_over_http(tmp_path: Path) -> None:
    gateway = FakeGateway()
    sample = tmp_path / "voz.wav"
    sample.write_bytes(b"RIFF....WAVE")
    with serve_over_http(gateway) as url:
        result = runner.invoke(app, ["--server", url, "--key", KEY, "jobs", "--status", "completed"])
        assert result.exit_code == 0, result.stderr
        assert "audio.synthesize" in result.stdout and "completed" in result.stdout
        result = runner.invoke(
            app, ["--server", url, "--key", KEY, "voices", "clone", str(sample), "--name", "Minha Voz"]
        )
        assert result.exit_code == 0, result.stderr
        assert result.stdout.strip() == "v1"
        code, stderr = invoke("--server", url, "--key", "wrong", "jobs")
        assert code == 2 and "refused the API key" in one_line_error(stderr)


def test_remote_render_through_the_cli(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "presenter", tmp_path / "presenter")
    shutil.copy(EXAMPLES / "presenter.yaml", tmp_path / "presenter.yaml")
    gateway = FakeGateway()
    gateway.steps = [{"id": "compose@1", "name": "compose", "label": "Final video", "service": "composer"}]
    out = tmp_path / "out" / "film.mp4"
    with serve_over_http(gateway) as url:
        result = runner.invoke(
            app, ["--server", url, "--key", KEY, "render", str(tmp_path / "presenter.yaml"), "-o", str(out)]
        )
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes() == b"bytes of film-video"
    assert result.stdout.split() == [str(out), str(out.with_suffix(".srt")), str(out.with_suffix(".vtt")),
                                     str(out.with_suffix(".png"))]  # fmt: skip
    assert "rendered 9.50 s of film" in result.stderr
    assert gateway.screenplays[0]["screenplay"]["characters"][0]["portrait"]["image"].startswith("asset:")
