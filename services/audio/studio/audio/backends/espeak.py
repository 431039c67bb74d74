"""The `espeak` speech backend: espeak-ng, no weights, word and phoneme timings from espeak itself.

Registered voices are matched rather than cloned: the reference's median pitch and
speaking rate are measured, and espeak's pitch and rate parameters are set to the
values that make espeak's own output measure the same. That mapping is calibrated
per espeak voice by synthesizing a fixed phrase and running the same estimators.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass

import numpy as np

from studio.audio import analysis
from studio.audio.backends.base import SpeechJob
from studio.audio.backends.espeak_lib import (
    EVENT_PHONEME,
    EVENT_WORD,
    EspeakLibrary,
    Rendering,
    SynthesisSettings,
)
from studio.audio.speech import Span, Speech
from studio.core.errors import InvalidInput
from studio.v1.common_pb2 import ModelInfo

#: Short tags people use for languages espeak files under a regional name.
LANGUAGE_ALIASES = {"en": "en-us", "pt-pt": "pt", "es-es": "es", "zh": "cmn"}
#: Above this reference pitch a female espeak variant is used (its range covers ~150-340 Hz).
FEMALE_ABOVE_HZ = 160.0
FEMALE_VARIANT = "f3"
CALIBRATION_TEXT = "1 2 3 4 5. 6 7 8 9 10. 11 12 13 14 15. 16 17 18 19 20."  # intonation close to prose
PITCHES = (0, 25, 50, 75, 100)
RATES = (80, 120, 175, 250, 350, 450)
_PRESET = re.compile(r"^[a-z0-9][a-z0-9_\-/]{0,40}(\+[a-z0-9_\-]{1,20})?$", re.IGNORECASE)


@dataclass(frozen=True)
class Calibration:
    """What espeak's own output measures at each pitch and rate setting, for one voice."""

    pitch_params: tuple[int, ...]
    pitch_hz: tuple[float, ...]
    rate_params: tuple[int, ...]
    rate_measured: tuple[float, ...]

    def pitch_for(self, target_hz: float) -> int:
        """The pitch parameter whose output has median F0 nearest `target_hz` (log-interpolated)."""
        return round(np.interp(np.log(target_hz), np.log(self.pitch_hz), self.pitch_params))

    def rate_for(self, target_rate: float) -> int:
        measured = np.maximum.accumulate(np.asarray(self.rate_measured))  # interp needs ascending x
        return round(np.interp(target_rate, measured, self.rate_params))


class EspeakBackend:
    """espeak-ng through libespeak-ng (see espeak_lib); lite backend, CPU, no weights."""

    name = "espeak"
    chunk_chars = 600
    crossfade = 0.005
    needs_reference = False

    def __init__(self) -> None:
        self._lib: EspeakLibrary | None = None
        self._calibration_lock = threading.Lock()

    @property
    def lib(self) -> EspeakLibrary:
        if self._lib is None:
            self.load()
        assert self._lib is not None
        return self._lib

    def load(self) -> None:
        self._lib = EspeakLibrary.get()
        self._lib.synthesize("ok", SynthesisSettings(voice="en-us"))  # warm: loads phoneme data

    @functools.cached_property
    def languages(self) -> frozenset[str]:
        return frozenset(lang.lower() for voice in self.lib.voices for lang in voice.languages)

    def voice_for(self, language: str) -> str:
        tag = language.strip().lower().replace("_", "-")
        tag = LANGUAGE_ALIASES.get(tag, tag)
        if tag not in self.languages:
            examples = ", ".join(sorted({"en", "en-us", "en-gb", "pt-br", "pt", "es", "fr", "de", "it"}))
            raise InvalidInput(
                f"language: espeak has no voice for {language!r}; use a tag such as {examples} "
                f"({len(self.languages)} languages are available)"
            )
        return tag

    def check(self, job: SpeechJob) -> None:
        self.voice_for(job.language)
        if job.preset and (not _PRESET.match(job.preset) or not self.lib.has_voice(job.preset)):
            raise InvalidInput(
                f"voice.preset: espeak has no voice {job.preset!r}; use a language tag with an optional "
                f"variant, e.g. 'pt-br', 'en-us+f3', 'en-gb+m3'"
            )
        if not 0.25 <= job.params.speed <= 4.0:
            raise InvalidInput(f"parameters.speed: {job.params.speed:g} is out of range; accepted 0.25 to 4.0")

    def settings_for(self, job: SpeechJob) -> SynthesisSettings:
        """espeak voice, pitch and rate for a job: the preset, or the language's voice matched to the profile."""
        voice = job.preset or self.voice_for(job.language)
        profile = job.profile
        if profile is None:
            return SynthesisSettings(voice=voice, rate=_clamp_rate(175 * job.params.speed))
        if "+" not in voice and profile.median_f0_hz > FEMALE_ABOVE_HZ:
            voice = f"{voice}+{FEMALE_VARIANT}"
        calibration = self.calibration(voice)
        pitch = max(0, min(100, calibration.pitch_for(profile.median_f0_hz)))
        rate = calibration.rate_for(profile.speaking_rate) if profile.speaking_rate > 0 else 175
        return SynthesisSettings(voice=voice, pitch=pitch, rate=_clamp_rate(rate * job.params.speed))

    def calibration(self, voice: str) -> Calibration:
        with self._calibration_lock:
            return self._calibrate(voice)

    @functools.cache  # noqa: B019 - one backend per process; calibrations are small and reused
    def _calibrate(self, voice: str) -> Calibration:
        pitch_hz = []
        for pitch in PITCHES:
            rendering = self.lib.synthesize(CALIBRATION_TEXT, SynthesisSettings(voice=voice, pitch=pitch))
            pitch_hz.append(analysis.pitch_track(_float(rendering), rendering.sample_rate).median())
        measured = []
        for rate in RATES:
            rendering = self.lib.synthesize(CALIBRATION_TEXT, SynthesisSettings(voice=voice, rate=rate))
            measured.append(analysis.speaking_rate(_float(rendering), rendering.sample_rate))
        hz = np.maximum.accumulate(np.maximum(np.asarray(pitch_hz), 1.0))
        return Calibration(PITCHES, tuple(float(h) for h in hz), RATES, tuple(measured))

    def synthesize(self, text: str, job: SpeechJob) -> Speech:
        spoken = speakable(text)
        rendering = self.lib.synthesize(spoken, self.settings_for(job))
        return to_speech(spoken, rendering)

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name="espeak-ng",
                backend=self.name,
                task="tts",
                installed=True,
                path="",
                vram_gb=0.0,
                description="espeak-ng formant synthesis (lite): 100+ languages, word/phoneme timings, no cloning",
            )
        ]


def _clamp_rate(rate: float) -> int:
    return int(max(80, min(450, round(rate))))


def _float(rendering: Rendering) -> np.ndarray:
    return rendering.samples.astype(np.float32) / 32768.0


def to_speech(text: str, rendering: Rendering) -> Speech:
    """Turn espeak's event stream into word and phoneme spans.

    A phoneme lasts until the next event of any kind (pauses arrive as unnamed phonemes);
    a word spans from its WORD event to the end of its last phoneme. espeak may speak one
    written token as several words ("2024", merged back into the token) or fold a short
    word into its neighbour without an event ("of a"): the folded tokens then share the
    neighbour's phonemes in proportion to their letters.
    """
    samples = _float(rendering)
    total = len(samples) / rendering.sample_rate
    events = sorted(rendering.events, key=lambda e: e.ms)
    boundaries = [e.ms / 1000 for e in events] + [total]
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    words: list[tuple[int, float, list[Span]]] = []  # (token index, start, phonemes)
    for index, event in enumerate(events):
        if event.kind == EVENT_WORD:
            token = _token_at(tokens, event.text_position - 1)
            if token < 0 or (words and token <= words[-1][0]):
                continue
            words.append((token, event.ms / 1000, []))
        elif event.kind == EVENT_PHONEME and event.phoneme and words:
            start = event.ms / 1000
            end = next((b for b in boundaries[index + 1 :] if b > start), total)
            words[-1][2].append(Span(event.phoneme, start, end))
    word_spans: list[Span] = []
    phonemes: list[Span] = []
    for position, (token, start, spans) in enumerate(words):
        following = words[position + 1][0] if position + 1 < len(words) else len(tokens)
        next_start = words[position + 1][1] if position + 1 < len(words) else total
        end = min(max([start, *[span.end for span in spans]]), max(next_start, start))
        spans = [Span(s.label, s.start, min(s.end, end)) for s in spans]
        folded = [t for t in range(token + 1, following) if any(ch.isalnum() for ch in _label(text, tokens[t]))]
        labels = [_label(text, tokens[t]) for t in (token, *folded)]
        word_spans.extend(_share(labels, start, end, spans))
        phonemes.extend(spans)
    return Speech(samples, rendering.sample_rate, word_spans, phonemes)


def _label(text: str, token: tuple[int, int]) -> str:
    raw = text[token[0] : token[1]]
    return raw.strip(_EDGE_PUNCTUATION) or raw


def _share(labels: list[str], start: float, end: float, spans: list[Span]) -> list[Span]:
    """Word spans for tokens spoken as one espeak word, splitting its phonemes by letter count."""
    if len(labels) == 1:
        return [Span(labels[0], start, end)]
    weights = np.array([max(1, sum(ch.isalnum() for ch in label)) for label in labels], dtype=float)
    cuts = np.round(np.cumsum(weights) / weights.sum() * len(spans)).astype(int)
    out: list[Span] = []
    first = 0
    cursor = start
    for label, cut in zip(labels, cuts, strict=True):
        group = spans[first:cut]
        word_start = cursor if not out else (group[0].start if group else cursor)
        word_end = group[-1].end if group else word_start
        out.append(Span(label, word_start, word_end))
        cursor, first = word_end, cut
    out[-1] = Span(out[-1].label, out[-1].start, max(out[-1].end, end))
    return out


_TOKEN = re.compile(r"\S+")
_DASHES = set("-‐‒–—―…~")


def speakable(text: str) -> str:
    """Blank out tokens with no letters or digits (dashes, emoji, markdown), keeping every character position.

    espeak reports word positions in characters; standalone symbols make it drift. A dash
    run becomes a comma (a pause), anything else spaces, so positions still index `text`.
    """

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if any(ch.isalnum() for ch in token):
            return token
        if any(ch in _DASHES for ch in token) or "..." in token:
            return "," + " " * (len(token) - 1)
        return " " * len(token)

    return _TOKEN.sub(replace, text)


_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{}.,;:!?¡¿…-—–"


def _token_at(tokens: list[tuple[int, int]], char: int) -> int:
    """Index of the whitespace-delimited token containing character `char`, or -1."""
    starts = [begin for begin, _ in tokens]
    index = int(np.searchsorted(starts, char, side="right")) - 1
    if index >= 0 and tokens[index][0] <= char < tokens[index][1]:
        return index
    return -1
