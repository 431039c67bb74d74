from __future__ import annotations

from studio.composer.subtitles import (
    MAX_CUE_SECONDS,
    MAX_LINE,
    Cue,
    Word,
    clip_cues,
    group_words,
    spread_text,
    to_ass,
    to_srt,
    to_vtt,
)


def _words(text: str, start: float = 0.0, step: float = 0.3) -> list[Word]:
    return [Word(w, start + i * step, start + i * step + step * 0.8) for i, w in enumerate(text.split())]


def test_cues_start_and_end_with_their_words() -> None:
    words = _words("Hello there. This is a test.")
    cues = group_words(words)
    assert [c.lines for c in cues] == [("Hello there.",), ("This is a test.",)]
    assert cues[0].start == words[0].start and cues[0].end == words[1].end
    assert cues[1].start == words[2].start and cues[1].end == words[-1].end


def test_long_text_is_split_into_readable_cues() -> None:
    text = " ".join(["word"] * 60)
    cues = group_words(_words(text, step=0.25))
    assert len(cues) > 1
    for cue in cues:
        assert 1 <= len(cue.lines) <= 2
        assert all(len(line) <= MAX_LINE for line in cue.lines)
        assert cue.end - cue.start <= MAX_CUE_SECONDS
    assert " ".join(" ".join(c.lines) for c in cues) == text


def test_a_pause_starts_a_new_cue() -> None:
    words = [Word("one", 0.0, 0.3), Word("two", 0.35, 0.6), Word("three", 2.0, 2.4)]
    assert [c.lines for c in group_words(words)] == [("one two",), ("three",)]


def test_text_without_timings_is_spread_over_the_span() -> None:
    words = spread_text("a bb ccc", 1.0, 3.0)
    assert [w.text for w in words] == ["a", "bb", "ccc"]
    assert words[0].start == 1.0 and abs(words[-1].end - 3.0) < 1e-9
    assert words[2].end - words[2].start > words[0].end - words[0].start


def test_srt_and_vtt_format() -> None:
    cues = [Cue(0.5, 1.25, ("Hi <b> & bye",)), Cue(3661.0, 3662.5, ("a", "b"))]
    srt = to_srt(cues)
    assert srt.startswith("1\n00:00:00,500 --> 00:00:01,250\nHi <b> & bye\n\n2\n01:01:01,000 --> 01:01:02,500\na\nb\n")
    vtt = to_vtt(cues)
    assert vtt.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:01.250\nHi &lt;b&gt; &amp; bye\n")
    assert to_vtt([]) == "WEBVTT\n\n" and to_srt([]) == ""


def test_cues_are_clipped_to_the_film() -> None:
    cues = clip_cues([Cue(1, 3, ("a",)), Cue(5, 6, ("b",))], film_end=2.5)
    assert cues == [Cue(1, 2.5, ("a",))]


def test_ass_escapes_override_blocks() -> None:
    script = to_ass([Cue(0, 1, ("{\\b1}x",))], [Cue(0, 1, ("Title",))], 1280, 720)
    assert "PlayResX: 1280" in script and "Style: Caption" in script
    assert "{\\b1}" not in script and "(/b1)x" in script
