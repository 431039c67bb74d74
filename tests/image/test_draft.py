"""The procedural draft: deterministic, sized as asked, and drawn from the prompt's words."""

from __future__ import annotations

import numpy as np
import pytest

from studio.image.draft import render_draft
from studio.image.draft.words import read_prompt


def pixels(prompt: str, seed: int, width: int = 320, height: int = 192) -> np.ndarray:
    return np.asarray(render_draft(prompt, seed, width, height))


def test_same_prompt_and_seed_give_identical_pixels() -> None:
    first = pixels("a red fox in a watercolor forest", 7)
    again = pixels("a red fox in a watercolor forest", 7)
    assert first.shape == (192, 320, 3)
    assert np.array_equal(first, again)


@pytest.mark.parametrize(
    ("prompt", "seed"), [("a red fox in a watercolor forest", 8), ("a grey wolf in a watercolor forest", 7)]
)
def test_other_seed_or_prompt_gives_other_pixels(prompt: str, seed: int) -> None:
    base = pixels("a red fox in a watercolor forest", 7)
    other = pixels(prompt, seed)
    assert np.mean(np.any(base != other, axis=-1)) > 0.2  # a different picture, not a few pixels


@pytest.mark.parametrize(("width", "height"), [(64, 64), (768, 432), (432, 768), (1280, 720)])
def test_any_size_is_painted_exactly(width: int, height: int) -> None:
    image = render_draft("portrait of a detective", 3, width, height)
    assert image.size == (width, height)
    assert image.mode == "RGB"


def _share(image: np.ndarray, channel: int) -> float:
    """Fraction of pixels where `channel` clearly dominates the other two."""
    rgb = image.astype(int)
    others = [c for c in range(3) if c != channel]
    return float(
        np.mean((rgb[..., channel] > rgb[..., others[0]] + 40) & (rgb[..., channel] > rgb[..., others[1]] + 40))
    )


def test_colour_words_set_the_palette() -> None:
    red = pixels("a red balloon", 1)
    blue = pixels("a blue balloon", 1)
    assert _share(red, 0) > _share(blue, 0) + 0.05
    assert _share(blue, 2) > _share(red, 2) + 0.05


def test_forest_prompt_paints_green_and_night_prompt_paints_dark() -> None:
    forest = pixels("a quiet forest", 2)
    night = pixels("a city skyline at night", 2)
    assert _share(forest, 1) > 0.1
    assert night.mean() < forest.mean() - 30


@pytest.mark.parametrize(
    ("prompt", "style", "scene"),
    [
        ("a red fox in a watercolor forest", "watercolour", "landscape"),
        ("uma raposa numa floresta em aquarela", "watercolour", "landscape"),
        ("portrait of a detective, film noir", "noir", "portrait"),
        ("pencil sketch of a knight", "sketch", "portrait"),
        ("neon sunset over the ocean", "neon", "landscape"),
        ("a cup of coffee", "flat", "abstract"),
    ],
)
def test_prompt_reading(prompt: str, style: str, scene: str) -> None:
    reading = read_prompt(prompt)
    assert (reading.style, reading.scene) == (style, scene)


def test_subject_colour_comes_from_the_word_before_it() -> None:
    reading = read_prompt("a white cat on a hill")
    assert reading.animal == "cat"
    assert reading.animal_colour is not None and min(reading.animal_colour) > 0.9


def test_caption_band_marks_the_draft() -> None:
    image = pixels("a quiet forest", 2, 640, 360)
    band = image[-14:, :, :].astype(int)
    # The caption band is pale paper with dark text and the red DRAFT label.
    assert band.mean() > 150
    assert np.any((band[..., 0] > 120) & (band[..., 1] < 80))
