"""A draft's colours: the prompt's colour and mood words first, seeded harmony for the rest."""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

import numpy as np

from studio.image.draft.words import RGB, Reading


def _hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0))
    return (r, g, b)


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def _hue(colour: RGB) -> float:
    return colorsys.rgb_to_hsv(*colour)[0]


@dataclass(frozen=True)
class Palette:
    sky_top: RGB
    sky_horizon: RGB
    far: RGB
    near: RGB
    ground: RGB
    accent: RGB
    figure: RGB
    light: RGB


def choose_palette(reading: Reading, rng: np.random.Generator) -> Palette:
    mood = reading.mood
    base_hue = _hue(reading.colours[0]) if reading.colours else float(rng.random())
    accent = reading.colours[0] if reading.colours else _hsv(base_hue, 0.65, 0.85)
    if "night" in mood:
        sky_top, horizon, light = _hsv(0.63, 0.7, 0.18), _hsv(0.66, 0.45, 0.42), (0.95, 0.93, 0.8)
    elif "sunset" in mood:
        sky_top, horizon, light = _hsv(0.75, 0.45, 0.55), _hsv(0.07, 0.65, 0.98), (1.0, 0.85, 0.55)
    elif "snow" in mood:
        sky_top, horizon, light = _hsv(0.58, 0.25, 0.85), _hsv(0.58, 0.06, 0.97), (1.0, 1.0, 0.96)
    else:
        sky_top = _hsv(0.58 + rng.uniform(-0.03, 0.03), 0.45, 0.85)
        horizon = mix(_hsv(0.55, 0.12, 0.98), accent, 0.15)
        light = (1.0, 0.96, 0.82)
    if "forest" in mood:
        near_hue, near_sat = 0.33 + rng.uniform(-0.04, 0.03), 0.55
    elif "autumn" in mood:
        near_hue, near_sat = 0.07, 0.7
    elif "snow" in mood:
        near_hue, near_sat = 0.6, 0.08
    elif "sunset" in mood or "night" in mood:
        near_hue, near_sat = 0.72, 0.35
    else:
        near_hue, near_sat = (base_hue + rng.choice([0.33, 0.5, -0.33])) % 1.0, 0.45
    near = _hsv(near_hue, near_sat, 0.22 if "night" in mood else 0.42)
    far = mix(near, horizon, 0.55)
    ground = _hsv(near_hue, near_sat * 0.8, 0.3 if "night" in mood else 0.55)
    if "snow" in mood:
        ground = (0.93, 0.95, 0.98)
    figure = reading.colours[1] if len(reading.colours) > 1 else _hsv(base_hue + 0.5, 0.35, 0.25)
    if reading.style == "noir":
        grey = lambda c: (sum(c) / 3,) * 3  # noqa: E731 - tiny local helper
        return Palette(*(grey(c) for c in (sky_top, horizon, far, near, ground, accent, figure, light)))  # type: ignore[arg-type]
    if reading.style == "neon":
        sky_top, horizon = _hsv(0.75, 0.8, 0.12), _hsv(0.85, 0.75, 0.35)
        accent = _hsv(base_hue, 1.0, 1.0)
        light = _hsv(base_hue + 0.5, 0.8, 1.0)
    return Palette(sky_top, horizon, far, near, ground, accent, figure, light)
