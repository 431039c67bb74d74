"""Text validation and sentence chunking."""

from __future__ import annotations

import pytest

from studio.audio.text import clean_text, split_chunks
from studio.core.errors import InvalidInput


def test_clean_text_normalises_whitespace() -> None:
    assert clean_text("  Olá,\n\tmundo  ", 100) == "Olá, mundo"


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n ", "empty"), ("?!...", "no letters"), ("a\x00b", "control"), ("x" * 101, "limit")],
)
def test_clean_text_rejects(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        clean_text(text, 100)


def test_chunks_keep_sentences_whole_and_lose_nothing() -> None:
    sentences = [f"Sentence number {i} says something of moderate length." for i in range(20)]
    text = " ".join(sentences)
    chunks = split_chunks(text, 300)
    assert all(len(c) <= 300 for c in chunks)
    assert " ".join(chunks) == text
    for chunk in chunks:  # every chunk ends at a sentence boundary
        assert chunk.endswith(".")
    assert len(chunks) == pytest.approx(len(text) / 300, abs=2)


def test_long_sentence_is_cut_at_clauses_then_words() -> None:
    clause = "and then the narrator kept going without stopping"
    sentence = ", ".join([clause] * 12) + "."
    chunks = split_chunks(sentence, 120)
    assert all(len(c) <= 120 for c in chunks)
    assert " ".join(chunks).split() == sentence.split()
    giant = "word " * 100
    assert " ".join(split_chunks(giant.strip(), 50)).split() == giant.split()


def test_short_text_is_one_chunk() -> None:
    assert split_chunks("Hello. World!", 300) == ["Hello. World!"]
