"""What a director is asked for: the briefing text and the film's outline."""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.core.errors import InvalidInput

MAX_BRIEFING_CHARS = 4000
DEFAULT_STYLE = "watercolour 2D animation, soft colours"
_STOPWORDS = {
    "pt-br": {"uma", "um", "de", "que", "com", "não", "sua", "seu", "ela", "ele", "para", "muda", "conforme", "é", "e"},
    "es": {"una", "un", "de", "que", "con", "su", "ella", "él", "para", "es", "y", "los", "las", "el"},
    "en": {"a", "an", "the", "of", "who", "with", "her", "his", "she", "he", "and", "is", "to", "finds", "meets"},
}


@dataclass(frozen=True)
class Briefing:
    text: str
    #: Seconds the film should last.
    duration: float = 30.0
    style: str = DEFAULT_STYLE
    #: Narration language tag; empty = guessed from the text.
    language: str = ""

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise InvalidInput("briefing: empty; describe the story in a sentence or more")
        if len(self.text) > MAX_BRIEFING_CHARS:
            raise InvalidInput(f"briefing: {len(self.text)} characters; at most {MAX_BRIEFING_CHARS} are accepted")
        if not 5 <= self.duration <= 600:
            raise InvalidInput(f"duration: {self.duration:g} s; accepted: 5 to 600 seconds")

    @property
    def scene_count(self) -> int:
        """About five seconds a scene, as the brief's 30-second, six-scene example."""
        return max(1, min(24, round(self.duration / 5)))

    def narration_language(self) -> str:
        return self.language.lower() if self.language else guess_language(self.text)


def guess_language(text: str) -> str:
    """Portuguese, Spanish or English by common words (English when unsure)."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    scores = {lang: sum(word in stop for word in words) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > scores["en"] else "en"
