"""Synthesized speech as data: mono samples plus word and phoneme timings, and how chunks join."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from studio.audio.analysis import resample
from studio.v1.common_pb2 import PhonemeTiming, WordTiming


@dataclass(frozen=True)
class Span:
    """A labelled stretch of audio, in seconds."""

    label: str
    start: float
    end: float

    def shifted(self, offset: float, scale: float = 1.0) -> Span:
        return Span(self.label, self.start * scale + offset, self.end * scale + offset)


@dataclass
class Speech:
    """Mono float32 samples at `sample_rate` and what is said when."""

    samples: np.ndarray
    sample_rate: int
    words: list[Span] = field(default_factory=list)
    phonemes: list[Span] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    def resampled(self, rate: int) -> Speech:
        """Timings are in seconds, so they survive resampling unchanged."""
        if rate == self.sample_rate:
            return self
        return Speech(resample(self.samples, self.sample_rate, rate), rate, self.words, self.phonemes)

    def word_timings(self) -> list[WordTiming]:
        return [WordTiming(word=w.label, start_seconds=w.start, end_seconds=w.end) for w in self.words]

    def phoneme_timings(self) -> list[PhonemeTiming]:
        return [PhonemeTiming(phoneme=p.label, start_seconds=p.start, end_seconds=p.end) for p in self.phonemes]


class Joiner:
    """Joins chunks as they arrive with a short equal-power crossfade, shifting each chunk's timings.

    `add` returns the samples that are final (everything but the tail kept for the next
    crossfade), so a stream can send audio early and still match the joined result exactly.
    """

    def __init__(self, sample_rate: int, crossfade: float = 0.01) -> None:
        self.rate = sample_rate
        self.fade = int(crossfade * sample_rate)
        self._pieces: list[np.ndarray] = []
        self._tail = np.zeros(0, dtype=np.float32)
        self._length = 0  # samples emitted so far
        self.words: list[Span] = []
        self.phonemes: list[Span] = []

    def add(self, part: Speech) -> np.ndarray:
        if part.sample_rate != self.rate:
            part = part.resampled(self.rate)
        samples = part.samples.astype(np.float32, copy=False)
        overlap = min(self.fade, len(self._tail), len(samples))
        offset = (self._length + len(self._tail) - overlap) / self.rate
        if overlap:
            t = np.linspace(0.0, np.pi / 2, overlap, dtype=np.float32)
            mixed = self._tail[len(self._tail) - overlap :] * np.cos(t) + samples[:overlap] * np.sin(t)
            samples = np.concatenate([self._tail[: len(self._tail) - overlap], mixed, samples[overlap:]])
        else:
            samples = np.concatenate([self._tail, samples])
        self.words += [w.shifted(offset) for w in part.words]
        self.phonemes += [p.shifted(offset) for p in part.phonemes]
        keep = min(self.fade, len(samples))
        ready, self._tail = samples[: len(samples) - keep], samples[len(samples) - keep :]
        self._pieces.append(ready)
        self._length += len(ready)
        return ready

    def finish(self) -> Speech:
        audio = np.concatenate([*self._pieces, self._tail]).astype(np.float32)
        end = len(audio) / self.rate
        return Speech(audio, self.rate, _monotonic(self.words, end), _monotonic(self.phonemes, end))


def join(parts: list[Speech], crossfade: float = 0.01) -> Speech:
    """Concatenate whole chunks (see Joiner)."""
    if not parts:
        raise ValueError("nothing to join")
    joiner = Joiner(parts[0].sample_rate, crossfade)
    for part in parts:
        joiner.add(part)
    return joiner.finish()


def trim_tail(speech: Speech, keep: float = 0.2) -> Speech:
    """Drop trailing silence beyond `keep` seconds after the last sound (last word, or last loud frame)."""
    if speech.words:
        last = max(w.end for w in speech.words)
    else:
        from studio.audio.analysis import HOP_SECONDS, active_mask, frame_rms_db

        active = np.flatnonzero(active_mask(frame_rms_db(speech.samples, speech.sample_rate)))
        if not active.size:
            return speech
        last = float(active[-1]) * HOP_SECONDS + 0.03
    cut = int(min(speech.duration, last + keep) * speech.sample_rate)
    if cut >= len(speech.samples):
        return speech
    samples = speech.samples[:cut].copy()
    fade = min(len(samples), int(0.01 * speech.sample_rate))
    if fade:
        samples[len(samples) - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return Speech(samples, speech.sample_rate, speech.words, speech.phonemes)


def _monotonic(spans: list[Span], end: float) -> list[Span]:
    """Clamp spans so starts never go backwards and nothing ends past the audio."""
    out: list[Span] = []
    floor = 0.0
    for span in spans:
        start = min(max(span.start, floor), end)
        stop = min(max(span.end, start), end)
        out.append(Span(span.label, start, stop))
        floor = start
    return out
