"""Mouth tracks: per-frame jaw opening and lip width, from phoneme timings or the energy envelope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from studio.video.lipsync.energy import frame_windows, rms, spectral_brightness, speech_level
from studio.video.lipsync.visemes import viseme

#: Lips move slightly before the sound they shape.
ANTICIPATION_S = 0.03


@dataclass(frozen=True)
class PhonemeSpan:
    symbol: str
    start: float
    end: float


@dataclass(frozen=True)
class MouthTrack:
    """Per-frame targets: `open` 0..1, `width` -1 (round) .. +1 (spread), `level` 0..1 speech loudness."""

    open: np.ndarray
    width: np.ndarray
    level: np.ndarray
    source: str

    def __len__(self) -> int:
        return len(self.open)


def frame_count(duration: float, fps: int) -> int:
    """Frames whose total duration matches the audio within half a frame."""
    return max(1, round(duration * fps))


def _smooth(values: np.ndarray, sigma_frames: float) -> np.ndarray:
    if sigma_frames <= 0 or len(values) < 3:
        return values
    radius = max(1, int(3 * sigma_frames))
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_frames) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, radius, mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def _attack_release(values: np.ndarray, attack: float, release: float) -> np.ndarray:
    """One-pole follower: opens quickly, closes a little slower (jaws have mass)."""
    out = np.empty_like(values)
    state = 0.0
    for i, value in enumerate(values):
        coef = attack if value > state else release
        state += coef * (value - state)
        out[i] = state
    return out


def _analyse(samples: np.ndarray, rate: int, fps: int, frames: int) -> tuple[np.ndarray, np.ndarray]:
    windows = frame_windows(samples, rate, fps, frames)
    return speech_level(rms(windows)), spectral_brightness(windows, rate)


def from_energy(samples: np.ndarray, rate: int, fps: int, frames: int) -> MouthTrack:
    """Jaw follows loudness; width follows spectral brightness while sound is present."""
    level, bright = _analyse(samples, rate, fps, frames)
    opening = _attack_release(level**1.7, attack=0.85, release=0.6)
    width = _smooth(bright * np.clip(level * 1.5, 0, 1) * 0.6, 0.8)
    return MouthTrack(open=np.clip(opening, 0, 1), width=np.clip(width, -1, 1), level=level, source="energy")


def from_phonemes(phonemes: Sequence[PhonemeSpan], samples: np.ndarray, rate: int, fps: int, frames: int) -> MouthTrack:
    """Visemes of the timed phonemes, blended across neighbours and scaled a little by loudness."""
    level, _ = _analyse(samples, rate, fps, frames)
    # Sample each frame interval at 4 points so short phonemes still leave a trace.
    times = (np.arange(frames)[:, None] + (np.arange(4)[None, :] + 0.5) / 4) / fps + ANTICIPATION_S
    opening = np.zeros(times.shape)
    width = np.zeros(times.shape)
    spans = sorted(phonemes, key=lambda span: span.start)
    starts = np.array([span.start for span in spans])
    ends = np.array([span.end for span in spans])
    shapes = np.array([viseme(span.symbol) for span in spans], dtype=np.float64).reshape(-1, 2)
    index = np.searchsorted(starts, times, side="right") - 1
    valid = (index >= 0) & (times < ends[np.clip(index, 0, None)])
    opening[valid] = shapes[index[valid], 0]
    width[valid] = shapes[index[valid], 1]
    opening = _smooth(opening.mean(axis=1), 0.7)
    width = _smooth(width.mean(axis=1), 0.9)
    # Loudness modulates how far a vowel opens; silence between words lets the jaw rest.
    opening *= 0.55 + 0.45 * level
    return MouthTrack(open=np.clip(opening, 0, 1), width=np.clip(width, -1, 1), level=level, source="phonemes")
