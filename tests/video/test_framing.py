"""Any portrait into 512x512, 1280x720 and 720x1280: cropped around the face when possible, padded otherwise."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from studio.core.errors import InvalidInput
from studio.core.frames import output_size, parse_size
from studio.video.face.detect import find_face
from studio.video.media.framing import plan_fit, render_fit


@pytest.mark.parametrize("size", [(512, 512), (1280, 720), (720, 1280), (1920, 1080)])
def test_face_stays_whole_and_centred(size: tuple[int, int]) -> None:
    portrait = data.astronaut()
    layout = find_face(portrait)
    fit = plan_fit((512, 512), size, layout.head_region())
    canvas = render_fit(portrait, size, fit)
    assert canvas.shape == (size[1], size[0], 3) and canvas.dtype == np.uint8
    x, y, w, h = layout.mapped(fit).box
    assert x >= 0 and x + w <= size[0] and y >= 0 and y + h <= size[1]
    assert abs((x + w / 2) - size[0] / 2) < 0.15 * size[0]


def test_portrait_to_landscape_pads_with_a_blurred_backdrop() -> None:
    tall = np.zeros((1000, 400, 3), np.uint8)
    tall[:, :, 1] = np.linspace(0, 255, 400, dtype=np.uint8)[None, :]
    subject = (0.0, 0.0, 400.0, 1000.0)  # the whole picture must stay visible
    fit = plan_fit((400, 1000), (1280, 720), subject)
    canvas = render_fit(tall, (1280, 720), fit)
    assert fit.scale == pytest.approx(0.72)
    assert fit.dx > 0  # centred, with bands either side
    band, picture = canvas[:, : int(fit.dx) - 2], canvas[:, int(fit.dx) + 2 : int(fit.dx + 0.72 * 400) - 2]
    assert band.std(axis=1).mean() < picture.std(axis=1).mean()  # the backdrop is blurred


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("512x512", (512, 512)),
        ("1280x720", (1280, 720)),
        ("720x1280", (720, 1280)),
        ("720p", (1280, 720)),
        ("9:16", (720, 1280)),
    ],
)
def test_parse_size(text: str, expected: tuple[int, int]) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["big", "512", "x", "512x", "-512x512", "511x512", "99999x512", "512x512x3"])
def test_bad_sizes_are_explained(text: str) -> None:
    if text == "512":  # a preset for the square default
        assert parse_size(text) == (512, 512)
        return
    with pytest.raises(InvalidInput, match=r"size|width|odd|range"):
        parse_size(text)


def test_default_size() -> None:
    assert output_size(0, 0) == (512, 512)


def test_large_portrait_is_shrunk_without_shifting() -> None:
    import cv2

    small = data.astronaut()
    large = cv2.resize(small, (2048, 2048), interpolation=cv2.INTER_CUBIC)
    fit = plan_fit((2048, 2048), (512, 512), None)
    assert fit.scale == pytest.approx(0.25)
    canvas = render_fit(large, (512, 512), fit).astype(np.float32)
    assert np.abs(canvas - small.astype(np.float32)).mean() < 6  # same picture, same place
