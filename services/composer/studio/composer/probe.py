"""Probe every input before anything is rendered, so bad files fail early and by name.

The probing itself is the studio's one media policy (studio.core.media): format from the
file's bytes, its demuxer forced, the file protocol only, ffprobe killed on timeout. Which
streams a slot needs (sound for a narration, pictures for a clip) the plan checks afterwards.
"""

from __future__ import annotations

from pathlib import Path

from studio.core.media import MEDIA, MediaInfo, probe, require

__all__ = ["MediaInfo", "probe_input"]


async def probe_input(ffprobe: str, path: Path, label: str) -> MediaInfo:
    return await probe(path, require(path, MEDIA, label), label, ffprobe=ffprobe)
