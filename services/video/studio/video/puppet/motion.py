"""Involuntary motion: when the eyes blink and how the head drifts."""

from __future__ import annotations

import numpy as np

#: Seconds: lid closing, staying shut, reopening (a typical spontaneous blink is 0.1-0.4 s).
CLOSE_S, HOLD_S, OPEN_S = 0.07, 0.04, 0.17


def blink_times(duration: float, rng: np.random.Generator) -> list[float]:
    """Blink onsets: the first within 0.6-2.2 s, then every 2-7 s (people blink ~15-20 times a minute)."""
    times: list[float] = []
    t = float(rng.uniform(0.6, 2.2))
    while t < duration - 0.2:
        times.append(t)
        t += float(min(7.0, 2.0 + rng.exponential(1.8)))
    return times


def blink_curve(onsets: list[float], fps: int, frames: int) -> np.ndarray:
    """Per-frame lid closure 0..1: quick close, short hold, slower eased reopening."""
    t = np.arange(frames) / fps
    out = np.zeros(frames)
    for onset in onsets:
        local = t - onset
        closing = np.clip(local / CLOSE_S, 0, 1)
        opening = np.clip((local - CLOSE_S - HOLD_S) / OPEN_S, 0, 1)
        shape = np.where(local < CLOSE_S + HOLD_S, closing, 1.0 - opening * opening * (3 - 2 * opening))
        out = np.maximum(out, np.where((local >= 0) & (local <= CLOSE_S + HOLD_S + OPEN_S), shape, 0.0))
    return out


def _drift(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smooth wandering in -1..1: three slow sines with random phases."""
    freqs = rng.uniform(0.05, 0.33, size=3)
    phases = rng.uniform(0, 2 * np.pi, size=3)
    weights = np.array([1.0, 0.6, 0.35])
    wave = (weights[:, None] * np.sin(2 * np.pi * freqs[:, None] * t[None, :] + phases[:, None])).sum(axis=0)
    return wave / weights.sum()


def head_sway(
    frames: int, fps: int, unit: float, level: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame (roll radians, dx px, dy px): a slow drift plus a small nod that follows speech loudness."""
    t = np.arange(frames) / fps
    roll = 0.005 * _drift(t, rng)
    dx = 0.015 * unit * _drift(t, rng)
    kernel = np.ones(max(1, int(0.4 * fps))) / max(1, int(0.4 * fps))
    emphasis = np.convolve(level, kernel, mode="same") if len(level) else level
    dy = 0.01 * unit * _drift(t, rng) + 0.015 * unit * (emphasis - float(np.mean(emphasis)) if len(level) else 0.0)
    return roll, dx, dy
