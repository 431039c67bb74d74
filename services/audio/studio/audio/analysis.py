"""Measurements of speech: pitch (F0), activity, speaking rate, loudness.

Used both on voice references and on synthesized speech, so a voice is matched by
applying the same estimator to both sides rather than trusting nominal settings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import find_peaks, resample_poly

#: Analysis runs at this rate: enough for F0 and envelopes, cheap to compute.
ANALYSIS_RATE = 16000
HOP_SECONDS = 0.01
F0_MIN = 60.0
F0_MAX = 420.0
#: YIN's cumulative-mean-normalised-difference threshold for a voiced frame.
YIN_THRESHOLD = 0.2


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Polyphase resampling (exact rational ratio, anti-aliased); works on (frames,) or (frames, ch)."""
    if source_rate == target_rate or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    g = np.gcd(source_rate, target_rate)
    out = resample_poly(samples, target_rate // g, source_rate // g, axis=0)
    return np.asarray(out, dtype=np.float32)


def frame_rms_db(samples: np.ndarray, rate: int, window: float = 0.03) -> np.ndarray:
    """RMS level per 10 ms hop, in dBFS."""
    hop = int(rate * HOP_SECONDS)
    size = int(rate * window)
    if len(samples) < size:
        return np.full(1, -120.0)
    frames = sliding_window_view(samples, size)[::hop]
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    return np.asarray(20 * np.log10(rms + 1e-9))


def active_mask(levels_db: np.ndarray, floor_db: float = -50.0, below_peak_db: float = 35.0) -> np.ndarray:
    """Frames loud enough to be speech: above an absolute floor and within `below_peak_db` of the loud frames."""
    if levels_db.size == 0:
        return np.zeros(0, dtype=bool)
    reference = float(np.percentile(levels_db, 95))
    return np.asarray((levels_db > floor_db) & (levels_db > reference - below_peak_db))


@dataclass(frozen=True)
class PitchTrack:
    f0: np.ndarray  # Hz per 10 ms frame, 0 where unvoiced

    @property
    def voiced(self) -> np.ndarray:
        return np.asarray(self.f0[self.f0 > 0])

    def median(self) -> float:
        voiced = self.voiced
        return float(np.median(voiced)) if voiced.size else 0.0

    def percentile(self, q: float) -> float:
        voiced = self.voiced
        return float(np.percentile(voiced, q)) if voiced.size else 0.0


def pitch_track(samples: np.ndarray, rate: int, *, fmin: float = F0_MIN, fmax: float = F0_MAX) -> PitchTrack:
    """F0 per 10 ms frame with YIN (de Cheveigné & Kawahara 2002), vectorised with FFTs."""
    x = resample(samples, rate, ANALYSIS_RATE).astype(np.float64)
    sr = ANALYSIS_RATE
    tau_min, tau_max = int(sr / fmax), int(sr / fmin) + 1
    window = int(0.025 * sr)
    size = window + tau_max
    hop = int(sr * HOP_SECONDS)
    if len(x) < size:
        return PitchTrack(np.zeros(0))
    frames = sliding_window_view(x, size)[::hop]
    frames = frames - frames.mean(axis=1, keepdims=True)
    levels = 10 * np.log10(np.mean(frames[:, :window] ** 2, axis=1) + 1e-12)
    loud = active_mask(levels, floor_db=-55.0, below_peak_db=30.0)

    n_fft = 1 << int(np.ceil(np.log2(2 * size)))
    spectrum = np.fft.rfft(frames, n_fft, axis=1)
    head = np.fft.rfft(frames[:, :window], n_fft, axis=1)
    acf = np.fft.irfft(np.conj(head) * spectrum, n_fft, axis=1)[:, : tau_max + 1]
    squares = np.cumsum(np.pad(frames**2, ((0, 0), (1, 0))), axis=1)
    energy0 = squares[:, window]
    taus = np.arange(tau_max + 1)
    energy_tau = squares[:, taus + window] - squares[:, taus]
    diff = np.maximum(energy0[:, None] + energy_tau - 2 * acf, 0.0)
    cumulative = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * taus[1:] / np.maximum(cumulative, 1e-12)

    f0 = np.zeros(len(frames))
    search = cmnd[:, tau_min:]
    below = search < YIN_THRESHOLD
    has_dip = below.any(axis=1) & loud
    for i in np.flatnonzero(has_dip):
        row = search[i]
        j = int(np.argmax(below[i]))
        while j + 1 < len(row) and row[j + 1] < row[j]:  # walk down to the dip's bottom
            j += 1
        tau = j + tau_min
        if 0 < j < len(row) - 1:  # parabolic interpolation around the minimum
            a, b, c = row[j - 1], row[j], row[j + 1]
            denominator = a - 2 * b + c
            if denominator > 0:
                tau = tau + 0.5 * (a - c) / denominator
        f0[i] = sr / tau
    return PitchTrack(_drop_outliers(f0))


def _drop_outliers(f0: np.ndarray) -> np.ndarray:
    """Unvoice isolated frames and octave jumps more than ~an octave from the running median."""
    voiced = f0 > 0
    if voiced.sum() < 5:
        return f0
    center = np.median(f0[voiced])
    ratio = np.where(voiced, f0 / center, 1.0)
    f0 = np.where(voiced & ((ratio > 1.9) | (ratio < 0.53)), 0.0, f0)
    isolated = (f0 > 0) & (np.roll(f0, 1) == 0) & (np.roll(f0, -1) == 0)
    return np.where(isolated, 0.0, f0)


def speaking_rate(samples: np.ndarray, rate: int) -> float:
    """Syllable-like energy peaks per second of active speech (pauses excluded)."""
    x = resample(samples, rate, ANALYSIS_RATE)
    levels = frame_rms_db(x, ANALYSIS_RATE, window=0.02)
    active = active_mask(levels)
    seconds = float(active.sum()) * HOP_SECONDS
    if seconds < 0.5:
        return 0.0
    kernel = np.hanning(7)
    smooth = np.convolve(levels, kernel / kernel.sum(), mode="same")
    peaks, _ = find_peaks(smooth, prominence=4.0, distance=int(0.08 / HOP_SECONDS))
    peaks = peaks[active[peaks]]
    return float(len(peaks) / seconds)


def trim_silence(
    samples: np.ndarray, rate: int, *, keep_pause: float = 0.35, edge: float = 0.05, floor_db: float = -50.0
) -> np.ndarray:
    """Cut leading/trailing silence and shorten inner pauses longer than `keep_pause` seconds."""
    levels = frame_rms_db(samples, rate)
    active = active_mask(levels, floor_db=floor_db)
    if not active.any():
        return samples[:0]
    hop = int(rate * HOP_SECONDS)
    keep = active.copy()
    pad = int(edge / HOP_SECONDS) + 3
    for index in np.flatnonzero(active):  # keep a little context around speech
        keep[max(0, index - pad) : index + pad + 1] = True
    runs = _runs(~keep)
    limit = int(keep_pause / HOP_SECONDS)
    for start, stop in runs:
        if start == 0 or stop == len(keep):
            keep[start:stop] = False  # leading / trailing silence goes entirely
        elif stop - start > limit:
            middle = start + (stop - start - limit) // 2
            keep[start:stop] = False
            keep[middle : middle + limit] = True
    mask = np.repeat(keep, hop)
    mask = np.pad(mask, (0, max(0, len(samples) - len(mask))), constant_values=False)[: len(samples)]
    return samples[mask]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True values."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def speech_level_db(samples: np.ndarray, rate: int) -> float:
    """Mean power of the active frames, in dBFS (a simple speech loudness)."""
    levels = frame_rms_db(samples, rate)
    active = active_mask(levels)
    if not active.any():
        return -120.0
    return float(10 * np.log10(np.mean(10 ** (levels[active] / 10))))


def normalise_loudness(samples: np.ndarray, rate: int, target_db: float = -20.0, peak_db: float = -1.0) -> np.ndarray:
    """Scale so active speech sits at `target_db` dBFS, without peaks above `peak_db`."""
    level = speech_level_db(samples, rate)
    if level <= -100:
        return samples
    gain = 10 ** ((target_db - level) / 20)
    peak = float(np.max(np.abs(samples))) * gain
    ceiling = 10 ** (peak_db / 20)
    if peak > ceiling:
        gain *= ceiling / peak
    return np.asarray(samples * gain, dtype=np.float32)
