"""Reading SRT cues back from rendered films."""

from __future__ import annotations

import re
from pathlib import Path


def cues(srt: Path) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    found = re.findall(r"(\S+) --> (\S+)\n(.+?)(?:\n\n|\Z)", srt.read_text(encoding="utf-8"), re.DOTALL)
    return [(seconds(a), seconds(b), text.replace("\n", " ")) for a, b, text in found]
