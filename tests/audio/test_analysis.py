"""The speech measurements behave on signals whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from studio.audio import analysis

RATE = 16000


def harmonic(f0: float, seconds: float, rate: int = RATE, syllables: float = 0.0) -> np.ndarray:
    """A voiced-speech-like buzz: f0 with decaying harmonics, optionally pulsed at a syllable rate."""
    t = np.arange(int(seconds * rate)) / rate
    wave = np.sum([np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8)], axis=0)
    if syllables:
        wave = wave * np.clip(np.sin(np.pi * syllables * t), 0, None) ** 2
    return (0.2 * wave).astype(np.float32)


@pytest.mark.parametrize("f0", [85.0, 120.0, 210.0, 320.0])
def test_pitch_track_finds_the_fundamental(f0: float) -> None:
    track = analysis.pitch_track(harmonic(f0, 2.0), RATE)
    assert track.median() == pytest.approx(f0, rel=0.02)


def test_pitch_track_ignores_silence_and_noise() -> None:
    noise = np.random.default_rng(1).uniform(-0.2, 0.2, RATE * 2).astype(np.float32)
    assert analysis.pitch_track(np.zeros(RATE * 2, dtype=np.float32), RATE).voiced.size == 0
    assert analysis.pitch_track(noise, RATE).voiced.size < 0.05 * RATE * 2 / 160


def test_pitch_track_works_at_other_rates() -> None:
    assert analysis.pitch_track(harmonic(150.0, 1.5, 44100), 44100).median() == pytest.approx(150.0, rel=0.02)


def test_speaking_rate_follows_the_syllable_rate() -> None:
    slow = analysis.speaking_rate(harmonic(120, 6, syllables=3.0), RATE)
    fast = analysis.speaking_rate(harmonic(120, 6, syllables=6.0), RATE)
    assert slow == pytest.approx(3.0, rel=0.2)
    assert fast == pytest.approx(6.0, rel=0.2)


def test_trim_silence_cuts_edges_and_long_pauses() -> None:
    voiced = harmonic(120, 1.0)
    gap = np.zeros(RATE * 3, dtype=np.float32)
    trimmed = analysis.trim_silence(np.concatenate([gap, voiced, gap, voiced, gap]), RATE)
    # two seconds of sound, one shortened pause (0.35 s) and a little context at the edges
    assert 2.3 < len(trimmed) / RATE < 2.8
    assert analysis.trim_silence(gap, RATE).size == 0


def test_normalise_loudness_sets_level_and_limits_peaks() -> None:
    quiet = harmonic(120, 2.0) * 0.05
    loud = analysis.normalise_loudness(quiet, RATE, target_db=-20.0)
    assert analysis.speech_level_db(loud, RATE) == pytest.approx(-20.0, abs=0.5)
    assert np.max(np.abs(analysis.normalise_loudness(quiet, RATE, target_db=0.0))) <= 10 ** (-1 / 20) + 1e-6


def test_resample_keeps_duration() -> None:
    out = analysis.resample(harmonic(100, 1.0, 22050), 22050, 24000)
    assert len(out) == 24000
