"""Subtitle cues from narration word timings, written as SRT, WebVTT and ASS (for burning in).

Cues follow common readability rules: at most two lines of about 42 characters,
at most ~6 seconds, and a new cue after a sentence ends or the speaker pauses.
A cue starts with its first word and ends with its last, so sidecars match the narration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_LINE = 42
MAX_LINES = 2
MAX_CUE_SECONDS = 6.0
#: A pause this long between words starts a new cue.
MAX_GAP = 0.8
_SENTENCE_END = re.compile(r"[.!?…]['\"»”)]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    lines: tuple[str, ...]


def clean(text: str) -> str:
    """One line of plain text: control characters and runs of whitespace become single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def wrap(words: Sequence[str], width: int = MAX_LINE, max_lines: int = MAX_LINES) -> tuple[str, ...] | None:
    """Lay words out in balanced lines of at most `width` characters, or None if they do not fit."""
    text = " ".join(words)
    if len(text) <= width:
        return (text,)
    if max_lines < 2:
        return None
    best: tuple[str, str] | None = None
    for cut in range(1, len(words)):
        first, second = " ".join(words[:cut]), " ".join(words[cut:])
        if (
            len(first) <= width
            and len(second) <= width
            and (best is None or max(len(first), len(second)) < max(len(best[0]), len(best[1])))
        ):
            best = (first, second)
    return best


def group_words(words: Iterable[Word]) -> list[Cue]:
    """Group timed words into readable cues (see module docstring)."""
    cues: list[Cue] = []
    current: list[Word] = []

    def flush() -> None:
        if current:
            lines = wrap([w.text for w in current]) or (" ".join(w.text for w in current),)
            cues.append(Cue(current[0].start, current[-1].end, lines))
            current.clear()

    for word in words:
        if not word.text:
            continue
        if current:
            previous = current[-1]
            too_long = word.end - current[0].start > MAX_CUE_SECONDS
            paused = word.start - previous.end > MAX_GAP
            sentence = bool(_SENTENCE_END.search(previous.text))
            if too_long or paused or sentence or wrap([w.text for w in current] + [word.text]) is None:
                flush()
        current.append(word)
    flush()
    return cues


def spread_text(text: str, start: float, end: float) -> list[Word]:
    """Word timings for narration that came without them: its span shared out by word length."""
    tokens = clean(text).split()
    if not tokens or end <= start:
        return []
    weights = [len(token) + 1 for token in tokens]
    total = float(sum(weights))
    words, at = [], start
    for token, weight in zip(tokens, weights, strict=True):
        length = (end - start) * weight / total
        words.append(Word(token, at, at + length))
        at += length
    return words


def clip_cues(cues: Iterable[Cue], film_end: float) -> list[Cue]:
    """Cues inside the film: those starting after it are dropped, the rest end by its end."""
    return [Cue(c.start, min(c.end, film_end), c.lines) for c in cues if c.start < film_end and c.end > c.start]


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_srt(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{i}\n{_clock(c.start, ',')} --> {_clock(c.end, ',')}\n" + "\n".join(c.lines)
        for i, c in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _vtt_text(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{_clock(c.start, '.')} --> {_clock(c.end, '.')}\n" + "\n".join(_vtt_text(line) for line in c.lines)
        for c in cues
    ]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + ("\n" if blocks else "")


def _ass_clock(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360_000)
    minutes, rest = divmod(rest, 6000)
    secs, centis = divmod(rest, 100)
    return f"{hours:d}:{minutes:02d}:{secs:02d}.{centis:02d}"


def _ass_text(lines: Sequence[str]) -> str:
    # Braces open override blocks and backslashes start escapes in ASS: keep them out of the text.
    safe = [line.replace("\\", "/").replace("{", "(").replace("}", ")") for line in lines]
    return "\\N".join(safe)


def to_ass(subtitles: Sequence[Cue], captions: Sequence[Cue], width: int, height: int) -> str:
    """An ASS script: subtitles at the bottom, captions at the top, white on a dark outline (DejaVu Sans)."""
    size = max(12, round(min(width, height) * 0.055))
    outline = max(1, round(size / 12))
    margin = max(8, round(height * 0.05))
    style = (
        "{name},DejaVu Sans,{size},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,{bold},0,0,0,100,100,0,0,"
        "{border},{outline},0,{align},{margin},{margin},{margin},1"
    )
    header = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
        "MarginR, MarginV, Encoding",
        "Style: " + style.format(name="Subtitle", size=size, bold=0, border=1, outline=outline, align=2, margin=margin),
        "Style: "
        + style.format(
            name="Caption", size=round(size * 1.15), bold=-1, border=3, outline=outline, align=8, margin=margin
        ),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events = [
        f"Dialogue: 0,{_ass_clock(c.start)},{_ass_clock(c.end)},{kind},,0,0,0,,{_ass_text(c.lines)}"
        for kind, cues in (("Subtitle", subtitles), ("Caption", captions))
        for c in cues
    ]
    return "\n".join(header + events) + "\n"
