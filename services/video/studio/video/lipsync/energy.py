"""Per-video-frame loudness and brightness of speech."""

from __future__ import annotations

import numpy as np


def frame_windows(samples: np.ndarray, rate: int, fps: int, frames: int) -> np.ndarray:
    """(frames, window) matrix: for frame i, the audio around its display interval (1.5 frame periods, zero-padded)."""
    hop = rate / fps
    window = round(hop * 1.5)
    starts = np.round(np.arange(frames) * hop - hop * 0.25).astype(np.int64)
    padded = np.concatenate(
        [np.zeros(window, np.float32), samples.astype(np.float32), np.zeros(2 * window, np.float32)]
    )
    index = starts[:, None] + window + np.arange(window)[None, :]
    return padded[np.clip(index, 0, len(padded) - 1)]


def rms(windows: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(np.square(windows, dtype=np.float64), axis=1))


def speech_level(energy: np.ndarray) -> np.ndarray:
    """Loudness mapped to 0..1 relative to the clip's own speech peak, over a 30 dB range.

    Syllable nuclei sit within a few dB of the peak and the consonants between
    them 10-20 dB lower, so this range makes the jaw close between syllables.
    """
    db = 20.0 * np.log10(np.maximum(energy, 1e-7))
    peak = float(np.percentile(db, 97))
    floor = peak - 30.0
    return np.clip((db - floor) / (peak - 4.0 - floor), 0.0, 1.0)


def spectral_brightness(windows: np.ndarray, rate: int) -> np.ndarray:
    """Spectral centroid per window mapped to -1 (dark: o, u) .. +1 (bright: i, e, s)."""
    spectrum = np.abs(np.fft.rfft(windows * np.hanning(windows.shape[1])[None, :], axis=1))
    freqs = np.fft.rfftfreq(windows.shape[1], 1.0 / rate)
    band = (freqs > 80) & (freqs < 6000)
    power = spectrum[:, band]
    centroid = (power * freqs[band][None, :]).sum(axis=1) / np.maximum(power.sum(axis=1), 1e-9)
    # Voiced speech centroids mostly sit between ~500 Hz (back vowels) and ~2.5 kHz (front vowels, fricatives).
    return np.clip((np.log2(np.maximum(centroid, 1.0)) - np.log2(1100.0)) / 1.2, -1.0, 1.0)
