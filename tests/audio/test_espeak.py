"""The espeak backend: real speech, espeak's own word/phoneme timings, voice matching."""

from __future__ import annotations

import numpy as np
import pytest

from studio.audio.analysis import frame_rms_db, pitch_track
from studio.audio.backends.base import SpeechJob, SpeechParams
from studio.audio.backends.espeak import EspeakBackend, speakable
from studio.audio.voices import VoiceProfile
from studio.core.errors import InvalidInput
from tests.audio.conftest import assert_monotonic

OLA = "Olá, sou seu assistente de inteligência artificial."


def job(language: str = "en", **kwargs: object) -> SpeechJob:
    return SpeechJob(language=language, params=SpeechParams(), **kwargs)  # type: ignore[arg-type]


def profile(f0: float, rate: float = 0.0) -> VoiceProfile:
    return VoiceProfile(
        name="t",
        language="en",
        reference={"key": "r.wav"},
        sample_rate=24000,
        duration_seconds=15,
        median_f0_hz=f0,
        f0_p10_hz=f0 * 0.9,
        f0_p90_hz=f0 * 1.1,
        speaking_rate=rate,
        loudness_dbfs=-20,
        source_sha256="",
    )


def test_portuguese_sentence_has_speech_and_word_timings(espeak_backend: EspeakBackend) -> None:
    speech = espeak_backend.synthesize(OLA, job("pt-br"))
    assert speech.duration >= 2.0
    assert np.percentile(frame_rms_db(speech.samples, speech.sample_rate), 90) > -30  # real speech energy
    assert [w.label for w in speech.words] == ["Olá", "sou", "seu", "assistente", "de", "inteligência", "artificial"]
    assert_monotonic([(w.label, w.start, w.end) for w in speech.words], speech.duration)
    assert_monotonic([(p.label, p.start, p.end) for p in speech.phonemes], speech.duration)
    assert len(speech.phonemes) > 25
    for word in speech.words:  # every word holds phonemes, all inside it
        inside = [p for p in speech.phonemes if word.start <= p.start < word.end]
        assert inside and all(p.end <= word.end + 1e-9 for p in inside)
    assert speech.words[0].start < 0.1


def test_timings_follow_the_audio(espeak_backend: EspeakBackend) -> None:
    """Silence between sentences sits between words, and words sit on loud audio."""
    speech = espeak_backend.synthesize("One. Two. Three.", job())
    levels = frame_rms_db(speech.samples, speech.sample_rate)
    loud = levels > np.max(levels) - 30
    for word in speech.words:
        frames = loud[int(word.start * 100) : int(word.end * 100)]
        assert frames.mean() > 0.6, word
    gaps = [b.start - a.end for a, b in zip(speech.words, speech.words[1:], strict=False)]
    assert all(gap > 0.1 for gap in gaps)  # sentence pauses are not inside words


def test_symbols_do_not_shift_word_positions(espeak_backend: EspeakBackend) -> None:
    text = '"Hello" -- world, a - b ** c! 😀 done... R$ 3,50 e-mail'
    assert len(speakable(text)) == len(text)
    speech = espeak_backend.synthesize(text, job())
    assert [w.label for w in speech.words] == ["Hello", "world", "a", "b", "c", "done", "R$", "3,50", "e-mail"]


def test_numbers_are_one_word(espeak_backend: EspeakBackend) -> None:
    speech = espeak_backend.synthesize("In 2024 it cost 1234 dollars.", job())
    assert [w.label for w in speech.words] == ["In", "2024", "it", "cost", "1234", "dollars"]


def test_profiles_set_pitch(espeak_backend: EspeakBackend) -> None:
    text = "This sentence is spoken by two very different voices."
    low = espeak_backend.synthesize(text, job(profile=profile(90.0)))
    high = espeak_backend.synthesize(text, job(profile=profile(230.0)))
    f_low = pitch_track(low.samples, low.sample_rate).median()
    f_high = pitch_track(high.samples, high.sample_rate).median()
    assert f_low == pytest.approx(90.0, rel=0.15)
    assert f_high == pytest.approx(230.0, rel=0.15)


def test_profiles_and_speed_set_rate(espeak_backend: EspeakBackend) -> None:
    text = "Counting slowly and then quickly changes how long this takes to say."
    slow = espeak_backend.synthesize(text, job(profile=profile(120.0, rate=3.0)))
    fast = espeak_backend.synthesize(text, job(profile=profile(120.0, rate=7.0)))
    assert slow.duration > 1.3 * fast.duration
    quick = espeak_backend.synthesize(text, SpeechJob("en", SpeechParams(speed=2.0)))
    normal = espeak_backend.synthesize(text, job())
    assert quick.duration < 0.7 * normal.duration


def test_presets_and_languages(espeak_backend: EspeakBackend) -> None:
    espeak_backend.check(job("pt-br", preset="pt-br+f3"))
    espeak_backend.check(job("EN_us"))
    for bad in ("klingon", "xx-yy"):
        with pytest.raises(InvalidInput, match="language"):
            espeak_backend.check(job(bad))
    for preset in ("nope+zz", "../../etc/passwd", "en+" + "a" * 50, "en us"):
        with pytest.raises(InvalidInput, match="preset"):
            espeak_backend.check(job(preset=preset))
    with pytest.raises(InvalidInput, match="speed"):
        espeak_backend.check(SpeechJob("en", SpeechParams(speed=10.0)))


def test_words_espeak_folds_together_are_still_reported(espeak_backend: EspeakBackend) -> None:
    """espeak gives "of a" a single WORD event; both words must reach the subtitles."""
    text = "I am a cat, and I have a hat on a mat."
    speech = espeak_backend.synthesize(text, job())
    assert [w.label for w in speech.words] == [w.strip(",.") for w in text.split()]
    assert_monotonic([(w.label, w.start, w.end) for w in speech.words], speech.duration)


def test_speech_is_loud_enough_to_hear(espeak_backend: EspeakBackend) -> None:
    """Guards the int16 scaling: espeak's output must not come out near-silent or clipped."""
    speech = espeak_backend.synthesize("Loud and clear.", job())
    assert 0.1 < float(np.max(np.abs(speech.samples))) <= 1.0
