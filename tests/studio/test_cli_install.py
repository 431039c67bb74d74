"""The CLI and SDK use only what their package declares: installed alone (cli/ with studio-core and
studio-pipeline, from the locked pins, in a fresh venv), remote commands work and the REST SDK loads
neither grpc nor nats."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.studio.fake_gateway import KEY, FakeGateway, serve_over_http

pytestmark = pytest.mark.slow
UV = REPO_ROOT / ".tools" / "uv" / "bin" / "uv"
PORTRAIT = REPO_ROOT / "examples" / "presenter" / "host.jpg"


@pytest.fixture(scope="module")
def cli_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A venv with cli/ and its declared studio dependencies only (no services, no gateway)."""
    if not UV.exists():
        pytest.skip("uv is installed by `make install` (.tools/uv)")
    venv = tmp_path_factory.mktemp("cli-only") / "venv"
    pins = REPO_ROOT / "constraints.txt"
    # --no-config: the workspace's own uv settings describe the development environment, not this install.
    subprocess.run([UV, "venv", "-q", "--no-config", "--python", sys.executable, str(venv)], check=True)
    components = [str(REPO_ROOT / c) for c in ("libs/core", "libs/pipeline", "cli")]
    pinned = ["-c", str(pins), "--build-constraint", str(pins)]
    python = ["--python", str(venv / "bin" / "python")]
    subprocess.run([UV, "pip", "install", "-q", "--no-config", *python, *pinned, *components], check=True)
    yield venv


def test_only_the_declared_components_are_installed(cli_only: Path) -> None:
    listed = subprocess.run(
        [UV, "pip", "list", "--no-config", "--python", str(cli_only / "bin" / "python")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    installed = {line.split()[0] for line in listed.splitlines()[2:]}
    assert {"studio-cli", "studio-core", "studio-pipeline"} <= installed
    assert not installed & {"studio-image", "studio-video", "studio-composer", "studio-audio", "studio-gateway"}


def test_the_rest_sdk_loads_neither_grpc_nor_nats(cli_only: Path) -> None:
    probe = (
        "import sys, studio.sdk, studio.sdk.render, studio.sdk.sync; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'grpc', 'nats'}))"
    )
    out = subprocess.run([cli_only / "bin" / "python", "-c", probe], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("args", "output"),
    [
        (["image", "a lighthouse", "--size", "768x432", "--seed", "7"], "image.png"),
        (["animate", str(PORTRAIT), "--size", "720p", "--duration", "1"], "clip.mp4"),
        (["speak", "olá", "--lang", "pt-br"], "speech.wav"),
    ],
)
def test_remote_commands_work_from_the_cli_install_alone(
    cli_only: Path, tmp_path: Path, args: list[str], output: str
) -> None:
    out = tmp_path / output
    with serve_over_http(FakeGateway()) as url:
        result = subprocess.run(
            [cli_only / "bin" / "studio", "--server", url, "--key", KEY, *args, "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert out.read_bytes().startswith(b"bytes of ")  # the fake gateway's download of the job's output
