"""Compose a draft: scene from the prompt, painted at a working size, captioned at full size.

Deterministic: every random choice comes from one generator seeded by
(prompt, seed, width, height), so the same request gives the same pixels.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from studio.image.draft.paint import Canvas, Point, Shape
from studio.image.draft.palette import Palette, choose_palette, mix
from studio.image.draft.words import RGB, Reading, read_prompt

#: Longest side painted; larger drafts are resized up (soft illustration, fast at any size).
WORK_SIDE = 640
_FOX = (0.85, 0.38, 0.12)


def _rng(prompt: str, seed: int, width: int, height: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{prompt}\0{seed}\0{width}x{height}".encode()).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest[:16], "little")))


def _ridge(c: Canvas, base: float, amplitude: float, jagged: float) -> list[Point]:
    """A hill or mountain line across the canvas, closed along the bottom edge."""
    phases = c.rng.uniform(0, 2 * math.pi, 4)
    freqs = (1.0, 2.3, 5.1, 11.7)
    weights = (1.0, 0.5, 0.25 * jagged, 0.12 * jagged)
    steps = 64
    points = []
    for i in range(steps + 1):
        u = i / steps * 2 * math.pi
        y = base - amplitude * sum(w * math.sin(f * u + p) for w, f, p in zip(weights, freqs, phases, strict=True))
        points.append((c.width * i / steps, y))
    return [*points, (c.width, c.height), (0.0, c.height)]


def _conifer(shape: Shape, x: float, ground: float, height: float) -> None:
    half = height * 0.22
    for k in range(3):
        top = ground - height * (1 - k * 0.22)
        bottom = ground - height * (0.45 - k * 0.2)
        width = half * (0.7 + k * 0.35)
        shape.polygon([(x, top), (x + width, bottom), (x - width, bottom)])
    shape.rectangle(x - half * 0.12, ground - height * 0.1, x + half * 0.12, ground)


def _quadruped(c: Canvas, x: float, ground: float, size: float, facing: int) -> tuple[np.ndarray, np.ndarray]:
    """A four-legged animal standing on `ground`, seen from the side; returns (body, tail tip)."""
    f = facing
    body_y = ground - size * 0.55
    head_x, head_y = x + f * size * 0.55, body_y - size * 0.3
    tail_x = x - f * size * 0.55
    shape = c.shape().ellipse(x, body_y, size * 0.55, size * 0.24).ellipse(head_x, head_y, size * 0.2, size * 0.17)
    shape.polygon(
        [
            (head_x + f * size * 0.12, head_y - size * 0.06),
            (head_x + f * size * 0.38, head_y + size * 0.04),
            (head_x + f * size * 0.1, head_y + size * 0.12),
        ]
    )
    for dx in (-0.16, 0.02):
        ear = head_x + f * dx * size
        shape.polygon(
            [
                (ear - size * 0.06, head_y - size * 0.08),
                (ear + f * size * 0.02, head_y - size * 0.36),
                (ear + size * 0.07, head_y - size * 0.06),
            ]
        )
    shape.polygon(
        [
            (x + f * size * 0.3, body_y - size * 0.15),
            (head_x, head_y - size * 0.05),
            (head_x + f * size * 0.05, head_y + size * 0.15),
            (x + f * size * 0.4, body_y + size * 0.1),
        ]
    )
    for dx in (-0.4, -0.25, 0.28, 0.42):
        shape.rectangle(x + dx * size - size * 0.045, body_y, x + dx * size + size * 0.045, ground)
    shape.polygon(
        [
            (tail_x, body_y - size * 0.05),
            (tail_x - f * size * 0.35, body_y - size * 0.3),
            (tail_x - f * size * 0.62, body_y - size * 0.12),
            (tail_x - f * size * 0.3, body_y + size * 0.12),
        ]
    )
    tip = c.ellipse(tail_x - f * size * 0.58, body_y - size * 0.15, size * 0.08, size * 0.06)
    return shape.mask(), tip


def _bird(c: Canvas, x: float, y: float, size: float, facing: int) -> np.ndarray:
    f = facing
    shape = (
        c.shape()
        .ellipse(x, y, size * 0.32, size * 0.22)
        .ellipse(x + f * size * 0.3, y - size * 0.18, size * 0.14, size * 0.13)
    )
    shape.polygon(
        [
            (x + f * size * 0.42, y - size * 0.2),
            (x + f * size * 0.58, y - size * 0.15),
            (x + f * size * 0.42, y - size * 0.12),
        ]
    )
    shape.polygon(
        [
            (x - f * size * 0.1, y - size * 0.05),
            (x - f * size * 0.55, y - size * 0.5),
            (x + f * size * 0.15, y - size * 0.1),
        ]
    )
    shape.polygon(
        [(x - f * size * 0.28, y), (x - f * size * 0.6, y + size * 0.12), (x - f * size * 0.55, y - size * 0.05)]
    )
    return shape.mask()


def _landscape(c: Canvas, reading: Reading, p: Palette) -> None:
    rng, w, h = c.rng, c.width, c.height
    horizon = h * rng.uniform(0.5, 0.62)
    c.gradient(p.sky_top, p.sky_horizon, 0.0, horizon / h)
    sun_x = w * (rng.choice([0.22, 0.78]) + rng.uniform(-0.05, 0.05))
    c.fill(c.ellipse(sun_x, horizon * rng.uniform(0.3, 0.6), c.unit * 7, c.unit * 7), p.light, 0.9)
    if "night" in reading.mood:
        stars = c.shape()
        for _ in range(w * h // 3000):
            stars.point(rng.uniform(0, w), rng.uniform(0, horizon * 0.9))
        c.fill(np.clip(stars.mask() * 4, 0, 1), (1.0, 1.0, 0.95), 0.9)
    city = "city" in reading.mood
    c.fill(c.polygon(_ridge(c, horizon - h * 0.02, h * (0.05 if city else 0.12), 2.0)), p.far, 0.85)
    if city:
        skyline = c.shape()
        for x in np.arange(-0.02, 1.0, 0.06) * w:
            skyline.rectangle(
                x, horizon - h * rng.uniform(0.08, 0.3), x + w * rng.uniform(0.04, 0.09), horizon + h * 0.05
            )
        c.fill(skyline.mask(), mix(p.near, p.far, 0.3), 0.95)
    c.fill(c.polygon(_ridge(c, horizon + h * 0.06, h * 0.05, 0.6)), mix(p.near, p.far, 0.35), 0.9)
    ground_top = horizon + h * 0.2
    if "water" in reading.mood:
        c.fill(c.rectangle(0, horizon + h * 0.12, w, h), mix(p.sky_horizon, p.sky_top, 0.5), 0.85)
        ripples = c.shape()
        for i in range(6):
            y = horizon + h * (0.16 + i * 0.05)
            ripples.rectangle(w * rng.uniform(0, 0.5), y, w * rng.uniform(0.5, 1), y + c.unit * 0.6)
        c.fill(ripples.mask(), p.light, 0.35)
        ground_top = h * 0.9
    c.fill(c.polygon(_ridge(c, ground_top, h * 0.03, 0.3)), p.ground, 0.9)
    facing = int(rng.choice([-1, 1]))
    subject_x = w * (0.5 - facing * 0.1 + rng.uniform(-0.04, 0.04))
    if "forest" in reading.mood:
        far_trees = c.shape()
        for x in rng.uniform(0, w, 16):
            _conifer(far_trees, float(x), horizon + h * 0.08, h * rng.uniform(0.1, 0.18))
        c.fill(far_trees.mask(), mix(p.near, p.far, 0.4), 0.85)
        near_trees = c.shape()
        clear = h * 0.4 if reading.animal_shape == "quadruped" else 0.0  # leave the subject a clearing
        for x in np.sort(rng.uniform(0, w, 8)):
            if abs(x - subject_x) > clear:
                _conifer(near_trees, float(x), ground_top + h * rng.uniform(0.0, 0.08), h * rng.uniform(0.3, 0.5))
        c.fill(near_trees.mask(), p.near, 0.9)
    if reading.animal_shape and reading.animal_colour is not None:
        colour = reading.animal_colour
        if reading.animal in ("fox", "raposa") and colour == (
            0.7529411764705882,
            0.2235294117647059,
            0.16862745098039217,
        ):
            colour = _FOX  # "red fox" names the species: rust orange, not paint red
        if reading.animal_shape == "bird":
            c.fill(_bird(c, subject_x, horizon * 0.6, h * 0.25, facing), colour)
        else:
            body, tip = _quadruped(c, subject_x, h * 0.93, h * 0.42, facing)
            c.fill(body, colour)
            if reading.animal in ("fox", "raposa"):
                c.fill(tip, (0.97, 0.95, 0.9))


def _portrait(c: Canvas, reading: Reading, p: Palette) -> None:
    rng, w, h = c.rng, c.width, c.height
    c.gradient(mix(p.accent, (1.0, 1.0, 1.0), 0.55), mix(p.accent, p.sky_top, 0.5), 0.0, 1.0)
    for _ in range(5):
        r = c.unit * rng.uniform(6, 18)
        c.fill(c.ellipse(rng.uniform(0, w), rng.uniform(0, h), r, r), mix(p.light, p.accent, 0.3), 0.25)
    cx = w * (0.5 if w <= h else rng.choice([0.36, 0.5, 0.64]))
    r = h * 0.16
    head_y = h * 0.4
    shoulders_top = head_y + r * 1.55
    body = c.shape().ellipse(cx, shoulders_top + h * 0.45, r * 2.6, h * 0.45)
    body.rectangle(cx - r * 0.4, head_y + r * 0.5, cx + r * 0.4, shoulders_top + r * 0.3)
    c.fill(body.mask(), p.figure)
    collar_y = shoulders_top + r * 0.05
    collar = c.polygon(
        [(cx - r * 0.6, collar_y), (cx, collar_y + r * 0.9), (cx + r * 0.6, collar_y), (cx, collar_y + r * 0.35)]
    )
    c.fill(collar, mix(p.figure, p.light, 0.5), 0.8)
    skin = mix(mix((0.87, 0.69, 0.55), p.accent, 0.15), p.figure, float(rng.uniform(0.0, 0.45)))
    if reading.style == "noir":
        skin = (sum(skin) / 3,) * 3  # type: ignore[assignment]
    c.fill(c.ellipse(cx, head_y, r * 0.8, r), skin)
    hair = c.shape()
    style = int(rng.integers(0, 3))
    if style == 0:  # short crop
        hair.ellipse(cx, head_y - r * 0.45, r * 0.86, r * 0.62)
    elif style == 1:  # long hair framing the face
        hair.ellipse(cx, head_y - r * 0.35, r * 0.95, r * 0.75)
        hair.rectangle(cx - r * 0.95, head_y - r * 0.3, cx - r * 0.62, head_y + r * 1.3)
        hair.rectangle(cx + r * 0.62, head_y - r * 0.3, cx + r * 0.95, head_y + r * 1.3)
    else:  # brimmed hat
        hair.ellipse(cx, head_y - r * 0.62, r * 1.45, r * 0.2)
        hair.rectangle(cx - r * 0.7, head_y - r * 1.45, cx + r * 0.7, head_y - r * 0.6)
    c.fill(hair.mask(), mix(p.figure, (0.1, 0.08, 0.08), 0.5))
    eyes = (
        c.shape()
        .ellipse(cx - r * 0.3, head_y + r * 0.05, r * 0.08, r * 0.05)
        .ellipse(cx + r * 0.3, head_y + r * 0.05, r * 0.08, r * 0.05)
    )
    c.fill(eyes.mask(), (0.15, 0.12, 0.14), 0.85)
    rim = c.ellipse(cx + r * 0.12, head_y, r * 0.8, r)
    c.fill(np.clip(rim - c.ellipse(cx + r * 0.05, head_y, r * 0.8, r), 0, 1), p.light, 0.5)


def _abstract(c: Canvas, reading: Reading, p: Palette) -> None:
    """No recognised scene: a still life — one subject in the prompt's colour, supporting shapes around it."""
    rng, w, h = c.rng, c.width, c.height
    c.gradient(mix(p.sky_horizon, p.accent, 0.2), mix(p.sky_top, p.accent, 0.25), 0.0, 1.0)
    horizon = h * rng.uniform(0.6, 0.72)
    c.fill(c.rectangle(0, horizon, w, h), mix(p.ground, p.sky_horizon, 0.4), 0.8)
    colours: list[RGB] = [*reading.colours[1:], p.near, p.figure, p.light]
    anchors = [(1 / 3, 1 / 3), (2 / 3, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 2 / 3)]
    for i in range(int(rng.integers(2, 5))):
        ax, ay = anchors[int(rng.integers(0, len(anchors)))]
        x, y = w * (ax + rng.uniform(-0.08, 0.08)), h * (ay + rng.uniform(-0.08, 0.08))
        r = c.unit * rng.uniform(6, 14)
        mask = c.ellipse(x, y, r, r) if rng.random() < 0.6 else c.rectangle(x - r, y - r * 0.6, x + r, y + r * 0.6)
        c.fill(mask, colours[i % len(colours)], 0.7)
    subject_x = w * (rng.choice([0.4, 0.5, 0.6]) + rng.uniform(-0.04, 0.04))
    r = c.unit * rng.uniform(22, 30)
    c.fill(c.ellipse(subject_x, horizon - r * 0.55, r, r), reading.colours[0] if reading.colours else p.accent)
    c.fill(c.ellipse(subject_x + r * 0.35, horizon - r * 0.9, r * 0.25, r * 0.2), p.light, 0.45)


_SCENES = {"landscape": _landscape, "portrait": _portrait, "abstract": _abstract}


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont | ImageFont.FreeTypeFont, room: float) -> str:
    if draw.textlength(text, font=font) <= room:
        return text
    words = text.split()
    while words and draw.textlength(" ".join(words) + "…", font=font) > room:
        words.pop()
    return " ".join(words) + "…" if words else ""


def _caption(image: Image.Image, prompt: str, seed: int) -> None:
    """A small band along the bottom: the prompt and the draft label."""
    width, height = image.size
    size = max(9, min(22, height // 36))
    font = ImageFont.load_default(size=size)
    band = size + size // 2 + 4
    overlay = Image.new("RGBA", (width, band), (250, 247, 240, 200))
    image.paste(overlay, (0, height - band), overlay)
    draw = ImageDraw.Draw(image)
    label = f"DRAFT · seed {seed}"
    label_width = draw.textlength(label, font=font)
    text = _fit(draw, " ".join(prompt.split()), font, width - label_width - size * 3)
    top = height - band + (band - size) // 2 - 1
    draw.text((size, top), text, fill=(40, 38, 46), font=font)
    draw.text((width - label_width - size, top), label, fill=(150, 40, 40), font=font)


def render_draft(prompt: str, seed: int, width: int, height: int) -> Image.Image:
    """A `width` x `height` illustration of `prompt`; same arguments, same pixels."""
    rng = _rng(prompt, seed, width, height)
    reading = read_prompt(prompt)
    scale = min(1.0, WORK_SIDE / max(width, height))
    canvas = Canvas(max(16, round(width * scale)), max(16, round(height * scale)), reading.style, rng)
    palette = choose_palette(reading, rng)
    _SCENES[reading.scene](canvas, reading, palette)
    canvas.vignette(0.4 if reading.style == "neon" else 0.18)
    canvas.paper()
    image = canvas.image()
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.BICUBIC)
    _caption(image, prompt, seed)
    return image
