"""The CLI acceptance commands: `studio image`, `studio upscale`, `studio models [download]`."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from studio.cli.main import app
from studio.image.formats import read_metadata

runner = CliRunner()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STUDIO_ARTIFACTS_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("STUDIO_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.delenv("STUDIO_SERVER", raising=False)
    return tmp_path


def studio(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_image_is_reproducible_and_upscales(workdir: Path) -> None:
    prompt = "a red fox in a watercolor forest"
    code, out = studio("image", prompt, "--seed", "7", "--size", "768x432", "-o", "a.png")
    assert code == 0, out
    assert "768x432 seed 7" in out and "draft" in out
    assert studio("image", prompt, "--seed", "7", "--size", "768x432", "-o", "a2.png")[0] == 0
    assert studio("image", prompt, "--seed", "8", "--size", "768x432", "-o", "a3.png")[0] == 0
    assert (workdir / "a.png").read_bytes() == (workdir / "a2.png").read_bytes()
    assert (workdir / "a.png").read_bytes() != (workdir / "a3.png").read_bytes()
    with Image.open(workdir / "a.png") as image:
        assert image.size == (768, 432)
    assert read_metadata(workdir / "a.png")["draft"] == "true"

    code, out = studio("upscale", "a.png", "--factor", "2", "-o", "b.png")
    assert code == 0, out
    with Image.open(workdir / "b.png") as image:
        assert image.size == (1536, 864)
    uploads = [p for p in (workdir / "store").rglob("*") if p.is_file() and "inputs" in p.parts]
    assert uploads == []  # the CLI's copy of the input does not linger


def test_image_formats_and_count(workdir: Path) -> None:
    code, out = studio("image", "a quiet lake", "--size", "64x64", "--count", "2", "--seed", "1", "-o", "lake.webp")
    assert code == 0, out
    for name in ("lake-1.webp", "lake-2.webp"):
        with Image.open(workdir / name) as image:
            assert image.format == "WEBP"
    assert read_metadata(workdir / "lake-2.webp")["seed"] == "2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("image", "x", "--size", "100x100", "-o", "x.png"), "width: 100 is not accepted"),
        (("image", "x", "--size", "big", "-o", "x.png"), "--size 'big': use WIDTHxHEIGHT"),
        (("image", "", "-o", "x.png"), "prompt: must not be empty"),
        (("image", "x", "-o", "x.gif"), "unknown image extension"),
        (("image", "x", "--backend", "dalle", "-o", "x.png"), "backend: 'dalle' is not available"),
        (("upscale", "missing.png", "-o", "y.png"), "missing.png: no such file"),
        (("upscale", "notes.png", "-o", "y.png"), "image: not a readable image"),
        (("upscale", "ok.png", "--factor", "3", "-o", "y.png"), "factor: 3 is not accepted"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(workdir: Path, args: tuple[str, ...], message: str) -> None:
    (workdir / "notes.png").write_text("not an image")
    Image.new("RGB", (16, 16)).save(workdir / "ok.png")
    code, out = studio(*args)
    assert code == 1
    assert message in out and "Traceback" not in out
    assert not (workdir / "x.png").exists() and not (workdir / "y.png").exists()


def test_models_lists_every_catalogue(workdir: Path) -> None:
    (workdir / "models" / "image" / "sd35-medium").mkdir(parents=True)
    (workdir / "models" / "image" / "sd35-medium" / "model_index.json").write_text(
        '{"_class_name": "StableDiffusion3Pipeline"}'
    )
    code, out = studio("models")
    assert code == 0, out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith(("image", "audio", "video"))}
    assert "installed" in lines["sd35-medium"] and "missing" in lines["flux-schnell"]
    assert "10.5 GB" in lines["sd35-large"]
    assert str(workdir / "models" / "image" / "flux-schnell") in lines["flux-schnell"]


def test_models_shows_the_placement_for_a_12_gb_card(workdir: Path) -> None:
    code, out = studio("models", "--vram", "12")
    assert code == 0, out
    assert "PLACEMENT" in out and "budget 9.6 GB" in out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith(("image", "audio", "video"))}
    assert (
        "transformer=" in lines["flux-dev"] and "stream" in lines["flux-dev"]
    )  # 24 GB of transformer cannot sit whole
    assert " device " in lines["chatterbox"] and " device " in lines["sd-x4-upscaler"]
    seconds = float(lines["flux-dev"].split("~")[1].split()[0])
    assert seconds > float(lines["flux-schnell"].split("~")[1].split()[0])  # 28 steps cost more than 4
    code, out = studio("models", "--vram", "0")
    assert code != 0 and "--vram" in out and "Traceback" not in out


def test_models_download_dry_run_and_unknown_names_fetch_nothing(workdir: Path) -> None:
    code, out = studio("models", "download", "flux-schnell", "--dry-run")
    assert code == 0, out
    assert "black-forest-labs/FLUX.1-schnell" in out and "flux-schnell" in out
    assert not (workdir / "models").exists()
    code, out = studio("models", "download", "not-a-model")
    assert code == 1 and "unknown model not-a-model; known:" in out
    code, out = studio("models", "download")
    assert code == 2 and "name the models to fetch" in out
    code, out = studio("models", "download", "--all", "--dry-run")
    assert code == 0 and "stabilityai/stable-diffusion-x4-upscaler" in out
    assert not (workdir / "models").exists()
