"""Text preparation: validation and splitting at sentence boundaries into backend-sized chunks."""

from __future__ import annotations

import re
import unicodedata

from studio.core.errors import InvalidInput

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])[\"'”’)\]]*\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:—–])\s+")


def clean_text(text: str, max_chars: int) -> str:
    """Normalise whitespace and Unicode; reject empty, oversized or control-character text."""
    text = unicodedata.normalize("NFC", text)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\r\t" for ch in text):
        raise InvalidInput("text: contains control characters; send plain text")
    text = " ".join(text.split())
    if not text:
        raise InvalidInput("text: is empty; send the words to speak")
    if len(text) > max_chars:
        raise InvalidInput(
            f"text: {len(text)} characters is over the limit of {max_chars}; split it into several requests"
        )
    if not any(ch.isalnum() for ch in text):
        raise InvalidInput("text: has no letters or digits to speak")
    return text


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def split_chunks(text: str, max_chars: int) -> list[str]:
    """Pack whole sentences into chunks of at most `max_chars`.

    A sentence longer than that is cut at clause punctuation, then at word boundaries;
    a single word longer than the limit is kept whole (never cut mid-word).
    """
    pieces: list[str] = []
    for sentence in sentences(text):
        pieces.extend(_split_long(sentence, max_chars))
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= max_chars:
            chunks[-1] = f"{chunks[-1]} {piece}"
        else:
            chunks.append(piece)
    return chunks


def _split_long(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    out: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        if len(clause) <= max_chars:
            _pack(out, clause, max_chars)
            continue
        for word in clause.split():
            _pack(out, word, max_chars)
    return out


def _pack(out: list[str], piece: str, max_chars: int) -> None:
    if out and len(out[-1]) + 1 + len(piece) <= max_chars:
        out[-1] = f"{out[-1]} {piece}"
    else:
        out.append(piece)
