"""`studio --server URL --key KEY speak|image|upscale|avatar ...` against a real gateway (Postgres, NATS,
the audio/image/video services over gRPC with JetStream workers, lite backends), downloading the results."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from studio.cli.main import app
from studio.core.registry import service_spec
from tests.conftest import NATS_URL
from tests.gateway.conftest import TEST_OVERRIDES, database_factory, new_key
from tests.gateway.media import assert_image, assert_video_with_audio, assert_wav
from tests.gateway.stack import Stack
from tests.gateway.test_real_services import spoken_sample

__all__ = ["database_factory"]  # the gateway tests' fixture, used here by name
pytestmark = pytest.mark.slow
PORTRAIT = Path(__file__).resolve().parents[2] / "examples" / "presenter" / "host.jpg"


@pytest.fixture(scope="module")
def gateway(database_factory: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    services = {name: service_spec(name).load_factory() for name in ("audio", "image", "video")}
    running = Stack(
        database_url=database_factory(),  # type: ignore[operator]
        nats_url=NATS_URL,
        artifacts_dir=tmp_path_factory.mktemp("remote-artifacts"),
        services=services,
        gateway_overrides={**TEST_OVERRIDES, "ready_requires_services": False},
        worker_concurrency=2,
    ).start(timeout=120)
    yield running, asyncio.run(new_key(running, "cli"))
    running.stop()


def studio(gateway: tuple[Stack, str], *args: str, key: str | None = None) -> Result:
    stack, good = gateway
    return CliRunner().invoke(app, ["--server", stack.base_url, "--key", good if key is None else key, *args])


def one_line_error(result: Result, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_speak_with_a_voice_sample_and_timings(gateway: tuple[Stack, str], tmp_path: Path) -> None:
    sample = tmp_path / "minha_voz.wav"
    sample.write_bytes(spoken_sample(tmp_path))
    out, timings = tmp_path / "out" / "speech.wav", tmp_path / "timings.json"
    result = studio(gateway, "speak", "Hello from the gateway.", "--lang", "en", "--voice-sample", str(sample),
                    "-o", str(out), "--timings", str(timings))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert assert_wav(out.read_bytes()) > 0.5
    words = [w["word"] for w in json.loads(timings.read_text())["words"]]
    assert len(words) == 4 and words[0].lower() == "hello"
    assert result.stdout.startswith(f"{out}  ") and "4 words" in result.stdout
    assert "voice:" in result.stderr and "median pitch" in result.stderr


def test_image_then_upscale(gateway: tuple[Stack, str], tmp_path: Path) -> None:
    image = tmp_path / "lighthouse.png"
    made = studio(gateway, "image", "a lighthouse at dawn", "--size", "256x144", "--seed", "7", "-o", str(image))
    assert made.exit_code == 0, made.output
    assert assert_image(image.read_bytes()) == (256, 144)
    assert "256x144 seed 7" in made.stdout and "draft" in made.stdout

    bigger = tmp_path / "big.webp"
    upscaled = studio(gateway, "upscale", str(image), "--factor", "2", "-o", str(bigger))
    assert upscaled.exit_code == 0, upscaled.output
    assert assert_image(bigger.read_bytes()) == (512, 288) and bigger.read_bytes()[8:12] == b"WEBP"
    assert upscaled.stdout.startswith(f"{bigger}  512x288")


def test_avatar_from_text(gateway: tuple[Stack, str], tmp_path: Path) -> None:
    out = tmp_path / "avatar.mp4"
    result = studio(gateway, "avatar", "--portrait", str(PORTRAIT), "--text", "Hello there!", "--lang", "en",
                    "--size", "512x512", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert_video_with_audio(out.read_bytes())
    assert result.stdout.startswith(f"{out}  512x512 25 fps")


def test_errors_are_one_line(gateway: tuple[Stack, str], tmp_path: Path) -> None:
    out = tmp_path / "never.wav"
    denied = one_line_error(studio(gateway, "speak", "hi", "-o", str(out), key="sk_studio_not_a_real_key"), code=2)
    assert "401" in denied and "sk_studio_not_a_real_key" not in denied
    assert not out.exists()
    # A 4xx problem+json from the REST schema (sizes are multiples of 16).
    assert "multiple of 16" in one_line_error(
        studio(gateway, "image", "x", "--size", "100x100", "-o", str(tmp_path / "a.png"))
    )
    # An asset that is not there.
    missing = one_line_error(studio(gateway, "upscale", str(tmp_path / "nope.png"), "-o", str(tmp_path / "b.png")))
    assert "nope.png" in missing
    # Embedded-only options are refused, not ignored.
    args = ["avatar", "--portrait", str(PORTRAIT), "--text", "hi", "--seed", "3", "-o", str(tmp_path / "c.mp4")]
    assert "--seed" in one_line_error(studio(gateway, *args))
    assert not list(tmp_path.glob("*.mp4")) and not list(tmp_path.glob("*.png"))


def test_music_and_animate(gateway: tuple[Stack, str], tmp_path: Path) -> None:
    track, clip = tmp_path / "m.flac", tmp_path / "clip.mp4"
    music = studio(gateway, "music", "calm warm piano", "--duration", "2", "--seed", "5", "-o", str(track))
    assert music.exit_code == 0, music.output
    assert music.stdout.startswith(f"{track}  2.00 s") and track.read_bytes()[:4] == b"fLaC"
    moved = studio(gateway, "animate", str(PORTRAIT), "--motion", "slow zoom in", "--duration", "1",
                   "--size", "320x320", "--fps", "10", "-o", str(clip))  # fmt: skip
    assert moved.exit_code == 0, moved.output
    assert moved.stdout.startswith(f"{clip}  320x320 10 fps, 1.00 s") and clip.stat().st_size > 1000


def test_a_failed_job_is_one_line(gateway: tuple[Stack, str], tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (256, 256), "gray").save(blank)
    out = tmp_path / "x.mp4"
    failed = one_line_error(studio(gateway, "avatar", "--portrait", str(blank), "--text", "hi", "-o", str(out)))
    assert "failed: no face found in portrait" in failed
    assert not out.exists()


def test_a_wrong_server_path_is_one_line(gateway: tuple[Stack, str], tmp_path: Path) -> None:
    stack, key = gateway
    out = tmp_path / "x.png"
    result = CliRunner().invoke(
        app, ["--server", f"{stack.base_url}/nowhere", "--key", key, "image", "x", "-o", str(out)]
    )
    assert "404" in one_line_error(result) and not out.exists()
