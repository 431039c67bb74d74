"""Mouth tracks: visemes from phoneme symbols (espeak or IPA), and energy-driven opening."""

from __future__ import annotations

import numpy as np
import pytest

from studio.video.lipsync.tracks import PhonemeSpan, frame_count, from_energy, from_phonemes
from studio.video.lipsync.visemes import REST, viseme


@pytest.mark.parametrize(
    ("symbol", "opens", "width_sign"),
    [
        ("a", 0.9, 0), ("'a:", 0.9, 0), ("ɐ̃", 0.9, 0), ("6~", 0.9, 0),
        ("i", 0.0, 1), ("u", 0.0, -1), ("O", 0.5, -1), ("eʊ", 0.4, 1), ("tS", 0.0, -1),
    ],
)  # fmt: skip
def test_vowels_and_consonants_have_their_shapes(symbol: str, opens: float, width_sign: int) -> None:
    shape = viseme(symbol)
    assert shape.open >= opens
    assert np.sign(round(shape.width, 1)) == width_sign or (width_sign == 0 and abs(shape.width) < 0.3)


@pytest.mark.parametrize("symbol", ["p", "b", "m", "'m"])
def test_bilabials_close_the_lips(symbol: str) -> None:
    assert viseme(symbol).open == 0.0


@pytest.mark.parametrize("symbol", ["_", "", " ", "||", "sil"])
def test_pauses_rest(symbol: str) -> None:
    assert viseme(symbol) == REST


def test_unknown_symbols_get_a_neutral_shape() -> None:
    assert 0 < viseme("☃").open < 0.5


def _tone(seconds: float, rate: int = 16_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)


def test_phoneme_track_opens_on_vowels_and_closes_on_bilabials() -> None:
    fps, seconds = 25, 1.2
    samples = _tone(seconds)
    spans = [PhonemeSpan("m", 0.0, 0.4), PhonemeSpan("a", 0.4, 0.8), PhonemeSpan("p", 0.8, 1.2)]
    track = from_phonemes(spans, samples, 16_000, fps, frame_count(seconds, fps))
    assert len(track) == 30 and track.source == "phonemes"
    assert track.open[12:18].mean() > 0.6  # the middle of /a/
    assert track.open[2:7].max() < 0.1 and track.open[24:29].max() < 0.1  # inside /m/ and /p/


def test_energy_track_follows_loudness() -> None:
    fps, rate = 25, 16_000
    samples = np.concatenate([_tone(0.6), np.zeros(int(0.6 * rate), np.float32), _tone(0.6)])
    track = from_energy(samples, rate, fps, frame_count(1.8, fps))
    assert track.source == "energy"
    loud, quiet = track.open[3:13], track.open[19:28]
    assert loud.min() > 0.5 and quiet.max() < 0.05


def test_frame_count_matches_duration_within_half_a_frame() -> None:
    for seconds in (0.1, 1.0, 1.56, 4.987, 300.0):
        assert abs(frame_count(seconds, 25) / 25 - seconds) <= 0.02 + 1e-9
