"""A float canvas and the few painting primitives drafts are made of.

Shapes are drawn as masks with PIL (fast, antialiased by supersampling-free
blur), then laid down in the draft's style: flat (poster colours), watercolour
(ragged wet edges, pigment pooling at the rim, granulation, glazing by
multiplication), sketch (hatched graphite) or neon (glowing strokes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from studio.image.draft.words import RGB

Point = tuple[float, float]


class Shape:
    """Primitives drawn into one antialiased mask."""

    def __init__(self, width: int, height: int) -> None:
        self._image = Image.new("L", (width, height), 0)
        self._draw = ImageDraw.Draw(self._image)

    def polygon(self, points: Sequence[Point]) -> Shape:
        self._draw.polygon([(float(x), float(y)) for x, y in points], fill=255)
        return self

    def ellipse(self, cx: float, cy: float, rx: float, ry: float) -> Shape:
        self._draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
        return self

    def rectangle(self, x0: float, y0: float, x1: float, y1: float) -> Shape:
        self._draw.rectangle((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), fill=255)
        return self

    def point(self, x: float, y: float) -> Shape:
        self._draw.point((x, y), fill=255)
        return self

    def mask(self) -> np.ndarray:
        return np.asarray(self._image.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32) / 255.0


def _blur(mask: np.ndarray, radius: float) -> np.ndarray:
    image = Image.fromarray((mask * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(image, dtype=np.float32) / 255.0


class _Region:
    """The rectangle around a mask's ink (plus a margin for soft edges and glows)."""

    def __init__(self, y0: int, y1: int, x0: int, x1: int) -> None:
        self.y0, self.y1, self.x0, self.x1 = y0, y1, x0, x1

    @classmethod
    def around(cls, mask: np.ndarray, margin: float) -> _Region | None:
        rows = np.flatnonzero(mask.max(axis=1) > 0.004)
        if rows.size == 0:
            return None
        cols = np.flatnonzero(mask.max(axis=0) > 0.004)
        pad = int(np.ceil(margin))
        height, width = mask.shape
        return cls(
            max(0, int(rows[0]) - pad),
            min(height, int(rows[-1]) + pad + 1),
            max(0, int(cols[0]) - pad),
            min(width, int(cols[-1]) + pad + 1),
        )

    def cut(self, array: np.ndarray) -> np.ndarray:
        return array[self.y0 : self.y1, self.x0 : self.x1]


def value_noise(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """Smooth noise in [0, 1]: a coarse random grid resized bicubically."""
    grid_h = max(2, round(cells * height / max(height, width)))
    grid_w = max(2, round(cells * width / max(height, width)))
    coarse = rng.random((grid_h, grid_w), dtype=np.float32)
    smooth = Image.fromarray(coarse, "F").resize((width, height), Image.Resampling.BICUBIC)
    return np.clip(np.asarray(smooth, dtype=np.float32), 0.0, 1.0)


class Canvas:
    def __init__(self, width: int, height: int, style: str, rng: np.random.Generator) -> None:
        self.width, self.height, self.style, self.rng = width, height, style, rng
        self.pixels = np.ones((height, width, 3), dtype=np.float32)
        self.ys, self.xs = np.mgrid[0:height, 0:width].astype(np.float32)
        self.unit = min(width, height) / 100.0

    # --- masks -----------------------------------------------------------------------------------
    def shape(self) -> Shape:
        """A mask to draw several primitives into (one mask, one wash: parts of a thing merge)."""
        return Shape(self.width, self.height)

    def polygon(self, points: Sequence[Point]) -> np.ndarray:
        return self.shape().polygon(points).mask()

    def ellipse(self, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        return self.shape().ellipse(cx, cy, rx, ry).mask()

    def rectangle(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return self.shape().rectangle(x0, y0, x1, y1).mask()

    # --- laying down paint ----------------------------------------------------------------------
    def gradient(self, top: RGB, bottom: RGB, start: float = 0.0, end: float = 1.0) -> None:
        if self.style == "sketch":  # graphite on white paper: the sky is the paper
            top, bottom = (0.97, 0.96, 0.93), (0.93, 0.92, 0.89)
        t = np.clip((self.ys / max(1, self.height - 1) - start) / max(1e-6, end - start), 0, 1)[..., None]
        self.pixels[:] = np.asarray(top, np.float32) * (1 - t) + np.asarray(bottom, np.float32) * t
        if self.style == "watercolour":
            self.pixels[:] = (
                1 - (1 - self.pixels) * (0.75 + 0.25 * value_noise(self.rng, self.height, self.width, 6))[..., None]
            )

    def fill(self, mask: np.ndarray, colour: RGB, opacity: float = 1.0) -> None:
        """Paint `colour` through `mask` (0..1) in the canvas style, working only around the shape."""
        margin = {"watercolour": 4.0, "neon": 8.0, "sketch": 2.0}.get(self.style, 0.0) * self.unit
        region = _Region.around(mask, margin)
        if region is None:
            return
        colour_arr = np.asarray(colour, np.float32)
        sub = region.cut(mask)
        pixels = region.cut(self.pixels)  # a view: painting it paints the canvas
        if self.style == "watercolour":
            self._wash(sub, pixels, colour_arr, opacity)
        elif self.style == "sketch":
            self._hatch(sub, pixels, region.cut(self.xs), region.cut(self.ys), colour_arr, opacity)
        elif self.style == "neon":
            self._glow(sub, pixels, colour_arr, opacity)
        else:
            alpha = (sub * opacity)[..., None]
            pixels[:] = pixels * (1 - alpha) + colour_arr * alpha

    def _scaled_noise(self, height: int, width: int, cells: float) -> np.ndarray:
        """Noise whose grain matches the whole canvas's, for a region of it."""
        return value_noise(
            self.rng, height, width, max(2, round(cells * max(height, width) / max(self.height, self.width)))
        )

    def _wash(self, mask: np.ndarray, pixels: np.ndarray, colour: np.ndarray, opacity: float) -> None:
        height, width = mask.shape
        blurred = _blur(mask, self.unit * 1.2)
        ragged = self._scaled_noise(height, width, 24) - 0.5
        wet = np.clip((blurred + ragged * 0.45 - 0.5) * 6 + 0.5, 0, 1)
        pooling = np.clip(wet - blurred, 0, 1) * 1.6
        granules = 0.85 + 0.3 * self.rng.random((height, width), dtype=np.float32)
        density = np.clip(wet * (0.55 + 0.35 * self._scaled_noise(height, width, 5)) + pooling, 0, 1)
        alpha = (density * granules * opacity)[..., None]
        # Glazing: pigment filters the light below instead of covering it.
        pixels[:] = pixels * (1 - alpha * (1 - colour))

    def _hatch(
        self, mask: np.ndarray, pixels: np.ndarray, xs: np.ndarray, ys: np.ndarray, colour: np.ndarray, opacity: float
    ) -> None:
        tone = 1 - float(colour.mean())
        angle = self.rng.uniform(0.5, 1.1)
        spacing = max(2.0, self.unit * (1.6 - tone))
        lines = np.sin((xs * np.cos(angle) + ys * np.sin(angle)) * (np.pi / spacing)) > 0.6 - tone * 0.8
        edge = np.clip(mask - _blur(mask, self.unit * 0.4), 0, 1) * 4
        graphite = np.clip(mask * lines * 0.55 + edge, 0, 1) * opacity
        shade = 0.18 + 0.1 * float(colour.mean())
        pixels[:] = pixels * (1 - graphite[..., None] * (1 - shade))

    def _glow(self, mask: np.ndarray, pixels: np.ndarray, colour: np.ndarray, opacity: float) -> None:
        halo = _blur(mask, self.unit * 2.5)
        body = (mask * opacity * 0.85)[..., None]
        pixels[:] = pixels * (1 - body) + colour * 0.35 * body
        pixels[:] = np.clip(pixels + colour * (halo * 0.6 * opacity)[..., None], 0, 1)

    def vignette(self, strength: float = 0.25) -> None:
        cx, cy = self.width / 2, self.height / 2
        d = ((self.xs - cx) / cx) ** 2 + ((self.ys - cy) / cy) ** 2
        self.pixels *= (1 - strength * np.clip(d - 0.3, 0, 1))[..., None]

    def paper(self) -> None:
        """The support: cold-press texture for watercolour, faint grain otherwise."""
        speckle = (self.rng.random((self.height, self.width), dtype=np.float32) * 255).astype(np.uint8)
        grain = np.asarray(Image.fromarray(speckle, "L").filter(ImageFilter.GaussianBlur(0.8)), np.float32) / 255.0
        grain = np.clip((grain - 0.5) * 3 + 0.5, 0, 1)
        amount = 0.07 if self.style in ("watercolour", "sketch") else 0.025
        self.pixels *= (1 - amount * grain)[..., None]

    def image(self) -> Image.Image:
        return Image.fromarray((np.clip(self.pixels, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")
