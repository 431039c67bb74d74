"""The mel spectrogram Wav2Lip-class networks were trained on (16 kHz, 80 bands 55-7600 Hz, 80 frames/s, ±4 scaled)."""

from __future__ import annotations

import numpy as np

RATE = 16_000
N_FFT = 800
HOP = 200
NUM_MELS = 80
FMIN, FMAX = 55.0, 7600.0
PREEMPHASIS = 0.97
REF_LEVEL_DB, MIN_LEVEL_DB, MAX_ABS = 20.0, -100.0, 4.0
FRAMES_PER_SECOND = RATE / HOP


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    f_sp, min_log_hz, min_log_mel, step = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0
    hz = np.asarray(hz, dtype=np.float64)
    return np.where(hz >= min_log_hz, min_log_mel + np.log(np.maximum(hz, 1e-10) / min_log_hz) / step, hz / f_sp)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    f_sp, min_log_hz, min_log_mel, step = 200.0 / 3, 1000.0, 15.0, np.log(6.4) / 27.0
    return np.where(mel >= min_log_mel, min_log_hz * np.exp(step * (mel - min_log_mel)), f_sp * mel)


def mel_basis() -> np.ndarray:
    """(NUM_MELS, N_FFT//2+1) triangular filters with Slaney area normalisation."""
    freqs = np.linspace(0, RATE / 2, N_FFT // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array(FMIN)), _hz_to_mel(np.array(FMAX)), NUM_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def melspectrogram(samples: np.ndarray) -> np.ndarray:
    """(NUM_MELS, frames) normalised log-mel of 16 kHz mono samples."""
    emphasised = np.append(samples[:1], samples[1:] - PREEMPHASIS * samples[:-1]).astype(np.float64)
    padded = np.pad(emphasised, N_FFT // 2, mode="reflect")
    frames = 1 + (len(padded) - N_FFT) // HOP
    index = np.arange(N_FFT)[None, :] + HOP * np.arange(frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)
    spectrum = np.abs(np.fft.rfft(padded[index] * window, axis=1)).T
    db = 20.0 * np.log10(np.maximum(1e-5, mel_basis() @ spectrum)) - REF_LEVEL_DB
    return np.clip(2 * MAX_ABS * (db - MIN_LEVEL_DB) / -MIN_LEVEL_DB - MAX_ABS, -MAX_ABS, MAX_ABS).astype(np.float32)


def mel_windows(mel: np.ndarray, fps: int, frames: int, steps: int = 16) -> np.ndarray:
    """(frames, NUM_MELS, steps): for video frame i, the mel window starting at its time (the last ones clamped)."""
    if mel.shape[1] < steps:
        mel = np.pad(mel, ((0, 0), (0, steps - mel.shape[1])), mode="edge")
    starts = np.minimum((np.arange(frames) * FRAMES_PER_SECOND / fps).astype(np.int64), mel.shape[1] - steps)
    return np.stack([mel[:, s : s + steps] for s in starts])
