"""Pan/zoom on stills: free text ("slow zoom in", "pan left") parsed into a camera move."""

from __future__ import annotations

import re
from dataclasses import dataclass

from studio.core.errors import InvalidInput

ACCEPTED = (
    "empty or 'static', or words combining a speed (slow, fast), 'zoom in' / 'zoom out' "
    "(or push in / pull out, ken burns) and 'pan left' / 'pan right' / 'pan up' / 'pan down' "
    "(or tilt up / down), e.g. 'slow zoom in and pan right'"
)
_SPEEDS = {"slow": 0.6, "fast": 1.6}
_PANS = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}
_FILLER = {"and", "then", "with", "while", "a", "the", "camera", "slowly", "quickly", "gentle", "gently"}


@dataclass(frozen=True)
class Motion:
    """A Ken Burns move: zoom direction (+1 in, -1 out, 0 none) and pan direction, scaled by speed."""

    zoom: int = 0
    pan_x: int = 0
    pan_y: int = 0
    speed: float = 1.0

    @property
    def static(self) -> bool:
        return self.zoom == 0 and self.pan_x == 0 and self.pan_y == 0

    @property
    def max_zoom(self) -> float:
        """How far the frame is magnified at the tight end of the move."""
        return 1.0 + 0.2 * self.speed


#: Camera words with the same meaning, rewritten before parsing.
_SYNONYMS = (
    (r"\bken burns\b", "slow zoom in"),
    (r"\b(push|dolly|move) in\b", "zoom in"),
    (r"\b(pull|dolly|move) (out|back)\b", "zoom out"),
    (r"\btilt (up|down)\b", r"pan \1"),
    (r"\b(truck|track|slide|drift) (left|right|up|down)\b", r"pan \2"),
)
MAX_TEXT = 100


def parse_motion(text: str, label: str) -> Motion:
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{label}: motion is {len(text)} characters; accepted up to {MAX_TEXT}")
    lowered = text.strip().lower()
    for pattern, replacement in _SYNONYMS:
        lowered = re.sub(pattern, replacement, lowered)
    words = [w for w in re.split(r"[\s,;+&-]+", lowered) if w and w not in _FILLER]
    if not words or words in (["static"], ["none"], ["still"]):
        return Motion()
    zoom, pan_x, pan_y, speed = 0, 0, 0, 1.0
    i = 0
    while i < len(words):
        word = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in _SPEEDS:
            speed = _SPEEDS[word]
        elif word == "zoom" and nxt in ("in", "out"):
            zoom = 1 if nxt == "in" else -1
            i += 1
        elif word == "pan" and nxt in _PANS:
            pan_x, pan_y = _PANS[nxt]
            i += 1
        else:
            raise InvalidInput(f"{label}: unknown motion {text!r}; accepted: {ACCEPTED}")
        i += 1
    if zoom == 0 and pan_x == 0 and pan_y == 0:
        raise InvalidInput(f"{label}: motion {text!r} names a speed but no move; accepted: {ACCEPTED}")
    return Motion(zoom, pan_x, pan_y, speed)
