"""Output metadata survives each format; hostile or broken inputs are refused with the field named."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from studio.cli.commands.image import format_for_path
from studio.core.errors import InvalidInput
from studio.image.formats import OUTPUT_FORMATS, load_input, output_format, read_metadata, save_image
from studio.v1.image_pb2 import IMAGE_FORMAT_JPEG, IMAGE_FORMAT_PNG, IMAGE_FORMAT_UNSPECIFIED, IMAGE_FORMAT_WEBP

META = {"prompt": "uma raposa vermelha — aquarela", "seed": "7", "model": "draft", "backend": "draft", "draft": "true"}
LIMITS: dict[str, Any] = {"max_bytes": 1_000_000, "max_pixels": 1024 * 1024}


@pytest.mark.parametrize("fmt", [IMAGE_FORMAT_PNG, IMAGE_FORMAT_JPEG, IMAGE_FORMAT_WEBP])
def test_metadata_round_trips(tmp_path: Path, fmt: int) -> None:
    spec = OUTPUT_FORMATS[fmt]
    path = save_image(Image.new("RGB", (32, 16), (200, 40, 40)), tmp_path / f"x.{spec.extension}", spec, META)
    with Image.open(path) as image:
        assert image.format == spec.pil_name
        assert image.size == (32, 16)
    assert read_metadata(path) == META


def test_jpeg_and_webp_also_carry_xmp(tmp_path: Path) -> None:
    for fmt in (IMAGE_FORMAT_JPEG, IMAGE_FORMAT_WEBP):
        spec = OUTPUT_FORMATS[fmt]
        path = save_image(Image.new("RGB", (8, 8)), tmp_path / f"x.{spec.extension}", spec, META)
        with Image.open(path) as image:
            xmp = image.info["xmp"]
        assert b'studio:draft="true"' in xmp and b'studio:seed="7"' in xmp


def test_format_choices() -> None:
    assert output_format(IMAGE_FORMAT_UNSPECIFIED).extension == "png"
    assert format_for_path(Path("a.JPEG")) == IMAGE_FORMAT_JPEG
    with pytest.raises(InvalidInput, match="format"):
        output_format(42)
    with pytest.raises(InvalidInput, match=r"\.png"):
        format_for_path(Path("a.gif"))


def _write(tmp_path: Path, data: bytes, name: str = "in") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _encoded(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def test_reads_png_jpeg_webp_and_flattens_alpha(tmp_path: Path) -> None:
    for fmt in ("PNG", "JPEG", "WEBP"):
        image = load_input(_write(tmp_path, _encoded(Image.new("RGB", (20, 10), "red"), fmt)), "image", **LIMITS)
        assert image.size == (20, 10) and image.mode == "RGB"
    transparent = _encoded(Image.new("RGBA", (4, 4), (0, 0, 0, 0)), "PNG")
    assert load_input(_write(tmp_path, transparent), "image", **LIMITS).getpixel((0, 0)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"definitely not an image", "not a readable image"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "not a readable image"),
        (_encoded(Image.new("RGB", (8, 8)), "GIF"), "GIF images are not accepted"),
        (_encoded(Image.new("RGB", (8, 8)), "BMP"), "BMP images are not accepted"),
        (_encoded(Image.new("RGB", (2048, 1024)), "PNG"), "megapixels"),
        (
            _encoded(Image.new("RGB", (8, 8)), "WEBP", save_all=True, append_images=[Image.new("RGB", (8, 8), "red")]),
            "animated",
        ),
    ],
)
def test_bad_inputs_are_refused_naming_the_field(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        load_input(_write(tmp_path, data), "mask", **LIMITS)
    assert raised.value.message.startswith("mask:")


def test_truncated_png_is_refused(tmp_path: Path) -> None:
    data = _encoded(Image.effect_noise((64, 64), 50).convert("RGB"), "PNG")
    with pytest.raises(InvalidInput, match="image: not a readable image"):
        load_input(_write(tmp_path, data[: len(data) // 2]), "image", **LIMITS)


def test_oversize_file_is_refused_before_decoding(tmp_path: Path) -> None:
    path = _write(tmp_path, b"\x00" * 2048)
    with pytest.raises(InvalidInput, match=r"image: the file is .* MB; the limit"):
        load_input(path, "image", max_bytes=1024, max_pixels=100)
