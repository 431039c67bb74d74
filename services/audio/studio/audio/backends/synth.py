"""The `synth` music backend (default, lite): a mood-driven backing track rendered with numpy.

Not a generative model: a chord progression in a key, a warm pad, an arpeggiated lead
instrument, a bass line and (per mood) a simple drum pattern, mixed in stereo with a
convolution reverb. It gives every video a real, non-silent bed without any weights.
"""

from __future__ import annotations

import functools
import zlib

import numpy as np
from scipy.signal import butter, oaconvolve, sosfilt

from studio.audio.backends.base import ProgressCallback
from studio.audio.backends.synth_style import Style, style_for
from studio.v1.common_pb2 import ModelInfo

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)


def midi_hz(note: float) -> float:
    return float(440.0 * 2 ** ((note - 69) / 12))


class Score:
    """The notes of a style in a key: which pitches each bar's chord holds."""

    def __init__(self, style: Style, root: int) -> None:
        self.style = style
        self.root = root
        self.scale = MINOR if style.minor else MAJOR

    def degree(self, step: int) -> int:
        octave, index = divmod(step, 7)
        return self.root + 12 * octave + self.scale[index]

    def chord(self, bar: int) -> list[int]:
        base = self.style.progression[bar % len(self.style.progression)]
        tones = [self.degree(base), self.degree(base + 2), self.degree(base + 4)]
        if self.style.sevenths:
            tones.append(self.degree(base + 6))
        return tones


class SynthMusicBackend:
    name = "synth"

    def load(self) -> None:
        self.generate("warm up", 1.0, 8000, 0, lambda _: None)

    def generate(
        self, description: str, seconds: float, sample_rate: int, seed: int | None, progress: ProgressCallback
    ) -> np.ndarray:
        style = style_for(description)
        rng = np.random.default_rng(seed if seed is not None else zlib.crc32(description.encode()))
        root = 48 + int(rng.integers(0, 8))  # C3..G3: keys that sit well under narration
        return render(Score(style, root), seconds, sample_rate, rng, progress)

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name="synth",
                backend=self.name,
                task="music",
                installed=True,
                path="",
                vram_gb=0.0,
                description="Procedural backing track (lite): mood-driven chords, pad, lead, bass, drums; no weights",
            )
        ]


def render(score: Score, seconds: float, rate: int, rng: np.random.Generator, progress: ProgressCallback) -> np.ndarray:
    style = score.style
    frames = round(seconds * rate)
    beat = 60.0 / style.tempo
    bar = 4 * beat
    bars = int(np.ceil(seconds / bar)) + 1
    tail = int(3.0 * rate)
    mix = np.zeros((frames + tail, 2), dtype=np.float64)
    patterns = [style.arpeggio, _variation(style.arpeggio, rng)]
    for index in range(bars):
        start = index * bar
        if start >= seconds:
            break
        chord = score.chord(index)
        last = start + bar >= seconds - 0.5
        _pad(mix, rate, start, bar, chord, style.brightness)
        _bass(mix, rate, start, beat, chord[0] - 12, style.drums != "none")
        if style.lead != "none" and not last:
            pattern = patterns[(index // 4) % 2] if index >= 1 else style.arpeggio[::2] + (-1,) * 4
            _lead(mix, rate, start, beat / 2, chord, pattern, style.lead, rng)
        if style.drums != "none" and index >= 1 and not last:
            _drums(mix, rate, start, beat, style.drums, rng)
        if last and style.lead != "none":
            _note(mix, rate, start, score.degree(7) + 12, 3.0, style.lead, 0.35, 0.0)
        progress(min(1.0, (start + bar) / seconds))
    wet = _reverb(mix, rate, rng)
    out = 0.78 * mix + 0.32 * wet
    out = out[:frames]
    return _master(out, rate).astype(np.float32)


def _variation(pattern: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
    """Pattern B: the same rhythm with a few chord tones moved, so loops do not repeat exactly."""
    notes = list(pattern)
    for position in rng.choice(len(notes), size=2, replace=False):
        if notes[position] >= 0:
            notes[position] = int(rng.integers(0, 4))
    return tuple(notes)


def _place(mix: np.ndarray, rate: int, start: float, signal: np.ndarray, pan: float) -> None:
    """Add a mono signal at `start` seconds, panned -1 (left) .. 1 (right) with constant power."""
    begin = int(start * rate)
    if begin >= len(mix):
        return
    signal = signal[: len(mix) - begin]
    angle = (pan + 1) * np.pi / 4
    mix[begin : begin + len(signal), 0] += signal * np.cos(angle)
    mix[begin : begin + len(signal), 1] += signal * np.sin(angle)


def _envelope(n: int, rate: int, attack: float, release: float) -> np.ndarray:
    env = np.ones(n)
    a, r = min(n, max(1, int(attack * rate))), min(n, max(1, int(release * rate)))
    env[:a] = np.linspace(0, 1, a)
    env[n - r :] *= np.linspace(1, 0, r)
    return env


@functools.lru_cache(maxsize=256)
def _tone(freq: float, length: float, rate: int, instrument: str) -> np.ndarray:
    """One note of a lead instrument, built from decaying partials (cached: loops reuse the same notes)."""
    t = np.arange(int(length * rate)) / rate
    out = np.zeros_like(t)
    if instrument == "bell":
        for ratio, amp, decay in ((1.0, 1.0, 1.2), (2.76, 0.5, 2.5), (5.4, 0.25, 4.0), (8.93, 0.12, 6.0)):
            out += amp * np.exp(-decay * t) * np.sin(2 * np.pi * freq * ratio * t)
    elif instrument == "strings":
        vibrato = 1 + 0.004 * np.sin(2 * np.pi * 5.2 * t)
        phase = 2 * np.pi * freq * np.cumsum(vibrato) / rate
        for k in range(1, 9):
            out += np.sin(k * phase) / k
        out *= _envelope(len(t), rate, 0.25, 0.3) * 0.5
    else:  # piano / pluck: harmonic partials, higher ones fading faster
        decay = 1.6 if instrument == "piano" else 4.0
        for k in range(1, 9):
            partial = freq * k * np.sqrt(1 + 0.0004 * k * k)  # slight string inharmonicity
            if partial > rate / 2.2:
                break
            out += (1 / k**1.4) * np.exp(-decay * (1 + 0.35 * k) * t) * np.sin(2 * np.pi * partial * t)
        out *= _envelope(len(t), rate, 0.004, 0.05)
    out = out.astype(np.float32)
    out.flags.writeable = False
    return out


def _note(
    mix: np.ndarray, rate: int, start: float, note: int, length: float, instrument: str, gain: float, pan: float
) -> None:
    _place(mix, rate, start, gain * _tone(midi_hz(note), length, rate, instrument), pan)


def _lead(
    mix: np.ndarray,
    rate: int,
    start: float,
    step: float,
    chord: list[int],
    pattern: tuple[int, ...],
    instrument: str,
    rng: np.random.Generator,
) -> None:
    tones = [*chord[:3], chord[0] + 12]
    length = step * (6 if instrument == "strings" else 4)
    for position, index in enumerate(pattern):
        if index < 0:
            continue
        velocity = 0.16 * (1.15 if position % 4 == 0 else 0.9) * float(rng.uniform(0.85, 1.1))
        pan = float(np.clip(0.35 * np.sin(position), -0.5, 0.5))
        _note(mix, rate, start + position * step, tones[index % 4] + 12, length, instrument, velocity, pan)


def _pad(mix: np.ndarray, rate: int, start: float, length: float, chord: list[int], cutoff: float) -> None:
    """Sustained chord: detuned sines per channel (stereo width), low-passed for warmth, overlapping bars."""
    left, right = _pad_voice(tuple(chord), length, rate, cutoff)
    begin = int(start * rate)
    stop = min(len(mix), begin + len(left))
    if begin < stop:
        mix[begin:stop, 0] += left[: stop - begin]
        mix[begin:stop, 1] += right[: stop - begin]


@functools.lru_cache(maxsize=32)
def _pad_voice(chord: tuple[int, ...], length: float, rate: int, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    n = int((length + 0.6) * rate)
    t = np.arange(n) / rate
    left = np.zeros(n)
    right = np.zeros(n)
    for note in chord:
        freq = midi_hz(note)
        for detune, channel in ((0.997, left), (1.003, right), (1.0, left), (1.0, right)):
            channel += np.sin(2 * np.pi * freq * detune * t) + 0.3 * np.sin(4 * np.pi * freq * detune * t)
    sos = butter(2, min(cutoff, rate / 2.5), btype="low", fs=rate, output="sos")
    env = _envelope(n, rate, 0.5, 0.8) * (0.045 / max(1, len(chord)) * 3)
    out = (sosfilt(sos, left) * env).astype(np.float32), (sosfilt(sos, right) * env).astype(np.float32)
    for channel in out:
        channel.flags.writeable = False
    return out


def _bass(mix: np.ndarray, rate: int, start: float, beat: float, note: int, busy: bool) -> None:
    freq = midi_hz(note)
    hits = (0, 2, 2.5, 3) if busy else (0, 2)
    for hit in hits:
        length = beat * (0.9 if busy else 1.9)
        t = np.arange(int(length * rate)) / rate
        tone = (np.sin(2 * np.pi * freq * t) + 0.25 * np.sin(4 * np.pi * freq * t)) * np.exp(-1.5 * t)
        _place(mix, rate, start + hit * beat, 0.16 * tone * _envelope(len(t), rate, 0.01, 0.08), 0.0)


def _drums(mix: np.ndarray, rate: int, start: float, beat: float, kind: str, rng: np.random.Generator) -> None:
    level = {"soft": 0.5, "pop": 0.8, "driving": 1.0}.get(kind, 0.6)
    kicks = (0, 2) if kind != "driving" else (0, 1, 2, 3)
    for kick in kicks:
        _place(mix, rate, start + kick * beat, level * 0.35 * _kick(rate), 0.0)
    if kind in ("pop", "driving"):
        for snare in (1, 3):
            _place(mix, rate, start + snare * beat, level * 0.18 * _snare(rate, rng), 0.05)
    for eighth in range(8):
        accent = 1.0 if eighth % 2 else 0.6
        _place(mix, rate, start + eighth * beat / 2, level * 0.05 * accent * _hat(rate, rng), 0.3)


def _kick(rate: int) -> np.ndarray:
    t = np.arange(int(0.35 * rate)) / rate
    freq = 45 + 75 * np.exp(-t * 30)
    return np.asarray(np.sin(2 * np.pi * np.cumsum(freq) / rate) * np.exp(-t * 9))


def _snare(rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.2 * rate)) / rate
    noise = sosfilt(butter(2, 1500, btype="high", fs=rate, output="sos"), rng.standard_normal(len(t)))
    return np.asarray((0.7 * noise + 0.4 * np.sin(2 * np.pi * 190 * t)) * np.exp(-t * 22))


def _hat(rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.06 * rate)) / rate
    cutoff = min(7000, rate / 2.5)
    noise = sosfilt(butter(2, cutoff, btype="high", fs=rate, output="sos"), rng.standard_normal(len(t)))
    return np.asarray(noise * np.exp(-t * 60))


def _reverb(mix: np.ndarray, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Convolution with decaying, darkened noise (a small hall), different per channel for width."""
    n = int(1.8 * rate)
    t = np.arange(n) / rate
    sos = butter(1, min(5000, rate / 2.5), btype="low", fs=rate, output="sos")
    wet = np.empty_like(mix)
    for channel in range(2):
        ir = sosfilt(sos, rng.standard_normal(n)) * np.exp(-t / 0.35)
        ir[: int(0.02 * rate)] = 0  # pre-delay
        ir /= np.sqrt(np.sum(ir**2))
        wet[:, channel] = oaconvolve(mix[:, channel].astype(np.float32), ir.astype(np.float32))[: len(mix)]
    return wet


def _master(out: np.ndarray, rate: int) -> np.ndarray:
    """Fades at both ends and a peak level of -1 dBFS."""
    n = len(out)
    fade_in = min(n, int(0.3 * rate))
    fade_out = min(n, int(min(3.0, 0.15 * n / rate) * rate))
    out[:fade_in] *= np.linspace(0, 1, fade_in)[:, None]
    if fade_out:
        out[n - fade_out :] *= np.linspace(1, 0, fade_out)[:, None] ** 1.5
    peak = float(np.max(np.abs(out))) if n else 0.0
    if peak > 0:
        out *= 0.89 / peak
    return out
