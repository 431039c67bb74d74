"""Phoneme symbols (espeak mnemonics or IPA) to mouth shapes.

A viseme here is two numbers: how far the jaw opens (0 closed .. 1 wide open)
and the lip width (-1 rounded/pursed .. +1 spread). Stress, length and
nasality marks are ignored; the first recognised symbol wins.
"""

from __future__ import annotations

import unicodedata
from typing import NamedTuple


class Viseme(NamedTuple):
    open: float
    width: float


REST = Viseme(0.0, 0.0)
_GROUPS: list[tuple[Viseme, tuple[str, ...]]] = [
    (REST, ("_", "sil", "pau", "sp", "spn", "#", "||", "|")),
    (Viseme(0.0, 0.05), ("p", "b", "m", "ɸ", "β")),
    (Viseme(0.12, 0.1), ("f", "v", "ɱ")),
    (Viseme(1.0, 0.15), ("a", "A", "6", "&", "ɐ", "ɑ", "æ", "ɒ", "aI", "aU", "a#")),
    (Viseme(0.75, 0.3), ("E", "ɛ", "3", "ɜ", "V", "ʌ")),
    (Viseme(0.55, 0.35), ("e", "@", "ə", "eI", "ɚ")),
    (Viseme(0.3, 0.6), ("i", "I", "ɪ", "i:", "ɨ")),
    (Viseme(0.7, -0.45), ("O", "ɔ", "OI")),
    (Viseme(0.5, -0.6), ("o", "ɵ", "8", "oU", "@U")),
    (Viseme(0.3, -0.8), ("u", "U", "ʊ", "ɯ", "ʉ")),
    (Viseme(0.35, -0.6), ("y", "Y", "ø", "œ")),
    (Viseme(0.25, 0.5), ("j", "ʎ", "ɲ", "J", "L")),
    (Viseme(0.2, -0.8), ("w", "W", "ʍ")),
    (Viseme(0.15, 0.45), ("s", "z", "ts", "dz")),
    (Viseme(0.2, -0.35), ("S", "Z", "tS", "dZ", "ʃ", "ʒ", "tʃ", "dʒ", "ɕ", "ʑ")),
    (Viseme(0.25, 0.2), ("t", "d", "n", "l", "r", "R", "ɾ", "ɹ", "ɫ", "ʁ", "ʀ", "4", "T", "D", "θ", "ð", "ɽ")),
    (Viseme(0.35, 0.0), ("k", "g", "ɡ", "N", "ŋ", "x", "ɣ", "q", "G", "X", "χ", "h", "ɦ", "?", "ʔ", "c", "ɟ")),
]
_TABLE: dict[str, Viseme] = {symbol: viseme for viseme, symbols in _GROUPS for symbol in symbols}
_LONGEST = max(len(symbol) for symbol in _TABLE)
#: Marks that change stress, length or nasality but not the mouth shape.
_MARKS = set("'ˈˌ,:ːˑ~̃%=-.")
UNKNOWN = Viseme(0.3, 0.0)


def normalise(symbol: str) -> str:
    decomposed = unicodedata.normalize("NFD", symbol.strip())
    return "".join(ch for ch in decomposed if ch not in _MARKS and not unicodedata.combining(ch))


def viseme(symbol: str) -> Viseme:
    """Mouth shape of one phoneme symbol; an unrecognised one gets a neutral half-open shape."""
    text = normalise(symbol)
    if not text:
        return REST if not symbol.strip() or set(symbol.strip()) <= {"_", "|", "#"} else UNKNOWN
    for size in range(min(_LONGEST, len(text)), 0, -1):
        found = _TABLE.get(text[:size])
        if found is not None:
            return found
    return UNKNOWN
