"""From a free-text description to a musical style: mood, tempo, mode, progression, instruments.

Keywords are matched in English and Portuguese; anything unrecognised falls back to "calm".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Style:
    mood: str
    tempo: float
    minor: bool
    #: Scale degree (0 = tonic) of each bar's chord; the progression loops.
    progression: tuple[int, ...]
    #: "piano", "pluck", "bell", "strings" or "none".
    lead: str
    #: Chord-tone index per eighth note (-1 = rest); 3 = the tonic an octave up.
    arpeggio: tuple[int, ...]
    #: "none", "soft", "pop" or "driving".
    drums: str
    #: Pad low-pass cutoff in Hz: lower sounds warmer/darker.
    brightness: float
    #: Add the seventh to chords (warm, jazzy colour).
    sevenths: bool = False


MOODS: dict[str, Style] = {
    "calm": Style("calm", 72, False, (0, 4, 5, 3), "piano", (0, 1, 2, 3, 2, 1, 2, 1), "none", 1400),
    "happy": Style("happy", 112, False, (0, 5, 3, 4), "pluck", (0, 2, 1, 2, 3, 2, 1, 2), "pop", 3200),
    "sad": Style("sad", 64, True, (0, 5, 2, 6), "piano", (0, 1, 2, 1, 3, 1, 2, 1), "none", 1100),
    "epic": Style("epic", 92, True, (0, 5, 2, 6), "strings", (0, -1, 0, 2, 1, -1, 2, 3), "driving", 2600),
    "tense": Style("tense", 84, True, (0, 0, 5, 4), "bell", (0, -1, 1, -1, 0, -1, 2, -1), "soft", 900),
    "energetic": Style("energetic", 124, False, (0, 4, 5, 3), "pluck", (0, 2, 3, 2, 0, 2, 3, 2), "driving", 4200),
    "romantic": Style("romantic", 76, False, (0, 5, 1, 4), "strings", (0, 1, 2, 3, 2, 1, 2, 1), "none", 1600, True),
    "corporate": Style("corporate", 104, False, (0, 4, 5, 3), "piano", (0, 2, 1, 2, 3, 2, 1, 2), "soft", 2800),
}

_MOOD_WORDS: dict[str, tuple[str, ...]] = {
    "calm": (
        "calm",
        "peaceful",
        "relax",
        "gentle",
        "soft",
        "ambient",
        "chill",
        "serene",
        "calmo",
        "calma",
        "suave",
        "tranquil",
        "relaxante",
        "lofi",
        "lo-fi",
        "meditation",
    ),
    "happy": (
        "happy",
        "playful",
        "cheerful",
        "fun",
        "joy",
        "bright",
        "light",
        "alegre",
        "feliz",
        "divertid",
        "brincalh",
        "kids",
        "cute",
    ),
    "sad": (
        "sad",
        "melanchol",
        "somber",
        "sombre",
        "emotional",
        "nostalg",
        "triste",
        "melancól",
        "melancol",
        "saudade",
        "lonely",
    ),
    "epic": (
        "epic",
        "cinematic",
        "adventur",
        "heroic",
        "trailer",
        "orchestral",
        "majestic",
        "épic",
        "epico",
        "aventur",
        "grand",
        "powerful",
    ),
    "tense": (
        "tense",
        "dark",
        "mysterious",
        "suspense",
        "thriller",
        "horror",
        "eerie",
        "sombrio",
        "misterio",
        "mistério",
        "tenso",
        "suspense",
    ),
    "energetic": (
        "energetic",
        "upbeat",
        "fast",
        "dance",
        "rock",
        "electro",
        "workout",
        "sport",
        "energ",
        "animad",
        "agitad",
        "pop",
        "edm",
    ),
    "romantic": ("romantic", "love", "tender", "romant", "amor", "wedding", "casamento", "intimate"),
    "corporate": (
        "corporate",
        "business",
        "inspiring",
        "motivat",
        "tech",
        "presentation",
        "corporativ",
        "inspirador",
        "motivac",
        "motivaç",
        "startup",
        "optimistic",
        "otimist",
    ),
}

_LEADS: dict[str, tuple[str, ...]] = {
    "piano": ("piano", "keys", "teclado"),
    "pluck": ("guitar", "violão", "violao", "guitarra", "pluck", "ukulele", "harp", "harpa"),
    "bell": ("bell", "music box", "glocken", "sino", "celesta", "marimba", "kalimba"),
    "strings": ("string", "violin", "cello", "orchestra", "cordas", "violino", "orquestra"),
}
_WARM = ("warm", "quente", "cozy", "aconchegante", "jazz", "soul", "mellow")
_SLOW = ("slow", "lento", "lenta", "devagar")
_FAST = ("fast", "rápid", "rapid", "quick", "accelerat")
_NO_DRUMS = ("no drums", "sem bateria", "without drums", "solo", "no beat")


def _has(text: str, words: tuple[str, ...]) -> int:
    return sum(1 for word in words if re.search(r"(^|\W)" + re.escape(word), text))


def style_for(description: str) -> Style:
    """The style a description asks for: the mood with most keyword hits, then instrument and tempo cues."""
    text = description.lower()
    scores = {mood: _has(text, words) for mood, words in _MOOD_WORDS.items()}
    mood = max(scores, key=lambda m: (scores[m], m == "calm"))
    style = MOODS[mood if scores[mood] > 0 else "calm"]
    for lead, words in _LEADS.items():
        if _has(text, words):
            style = replace(style, lead=lead)
            break
    if _has(text, _WARM):
        style = replace(style, sevenths=True, brightness=min(style.brightness, 1200))
    if _has(text, _SLOW):
        style = replace(style, tempo=style.tempo * 0.8)
    elif _has(text, _FAST):
        style = replace(style, tempo=style.tempo * 1.2)
    if _has(text, _NO_DRUMS):
        style = replace(style, drums="none")
    return style
