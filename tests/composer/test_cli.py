"""Acceptance: `studio compose` on the shipped example, and on a timeline with a corrupt scene."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.composer.conftest import loudness, probe_json

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "timeline.yaml"


def _studio(*args: str, cwd: Path, artifacts: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STUDIO_ARTIFACTS_DIR": str(artifacts)}
    studio = Path(sys.executable).with_name("studio")
    return subprocess.run([str(studio), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _clock(text: str) -> float:
    h, m, s = text.replace(",", ".").split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _cues(text: str) -> list[tuple[float, float, str]]:
    found = re.findall(r"(\d\d:\d\d:\d\d[.,]\d{3}) --> (\d\d:\d\d:\d\d[.,]\d{3})\n(.+?)(?:\n\n|\n?$)", text, re.S)
    return [(_clock(a), _clock(b), " ".join(body.split())) for a, b, body in found]


def _expected_cues() -> list[tuple[float, float, str]]:
    """Cue times computed from the example's own numbers: scene starts, narration offsets, word timings."""
    data = yaml.safe_load(EXAMPLE.read_text())
    durations = {1: 6.0, 3: 3.0}  # clips without a duration use their own
    start, expected = 0.0, []
    for i, scene in enumerate(data["scenes"]):
        duration = (
            (scene.get("still") or {}).get("duration_seconds")
            or (scene.get("clip") or {}).get("duration_seconds")
            or durations[i]
        )
        narration = scene.get("narration")
        if narration:
            words = yaml.safe_load((EXAMPLE.parent / narration["words"]).read_text())
            at = start + narration["offset_seconds"]
            expected.append((at + words[0]["start_seconds"], at + words[-1]["end_seconds"], words))
        transition = scene.get("transition") or {}
        start += duration - (transition.get("duration_seconds", 0) if transition.get("kind", "cut") != "cut" else 0)
    return [(a, b, " ".join(w["word"] for w in words)) for a, b, words in expected]


@pytest.mark.slow
def test_example_timeline_acceptance(tmp_path: Path) -> None:
    result = _studio("compose", str(EXAMPLE), "-o", "out/timeline.mp4", cwd=tmp_path, artifacts=tmp_path / "store")
    assert result.returncode == 0, result.stderr
    film = tmp_path / "out" / "timeline.mp4"
    info = probe_json(film)
    timeline_seconds = (5 + 6 + 5.5 + 3 + 4.5 + 7) - (1 + 0.8 + 1 + 0 + 0.7)
    assert abs(float(info["format"]["duration"]) - timeline_seconds) <= 1 / 30  # type: ignore[index]
    video = next(s for s in info["streams"] if s["codec_type"] == "video")  # type: ignore[union-attr]
    assert int(video["nb_read_frames"]) == round(timeline_seconds * 30)
    integrated, peak = loudness(film)
    assert abs(integrated + 14) <= 1.0 and peak <= -1.0

    srt = _cues((tmp_path / "out" / "timeline.srt").read_text())
    vtt_text = (tmp_path / "out" / "timeline.vtt").read_text()
    assert vtt_text.startswith("WEBVTT\n")
    vtt = _cues(vtt_text)
    assert srt == vtt
    # Each narration is one or more cues: together they start at its first word and end at its last.
    for start, end, text in _expected_cues():
        inside = [c for c in srt if start - 0.002 <= c[0] and c[1] <= end + 0.002]
        assert inside, (start, end, text)
        assert abs(inside[0][0] - start) <= 0.002 and abs(inside[-1][1] - end) <= 0.002
        assert " ".join(c[2] for c in inside) == text
    assert (tmp_path / "out" / "timeline.png").stat().st_size > 0
    assert not list((tmp_path / "store").rglob("inputs/*/*")), "uploaded copies of the inputs were left behind"


def test_corrupt_scene_exits_non_zero_naming_it(tmp_path: Path) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    shutil.copy(EXAMPLE.parent / "assets" / "astronaut_512x512.jpg", assets / "a.jpg")
    (assets / "broken.mp4").write_bytes((EXAMPLE.parent / "assets" / "clip_480x480_30fps.mp4").read_bytes()[:4000])
    fine = {"name": "fine", "still": {"image": "assets/a.jpg", "duration_seconds": 1}}
    # Later scenes are still being probed when the broken one fails: they are stopped, not waited for forever.
    timeline = {"scenes": [fine, {"name": "the broken one", "clip": {"video": "assets/broken.mp4"}}, *[fine] * 8]}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(timeline))
    store = tmp_path / "store"
    result = _studio("compose", "t.yaml", "-o", "out/film.mp4", cwd=tmp_path, artifacts=store, timeout=60)
    assert result.returncode != 0
    assert "scene 2 ('the broken one')" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert not [p for p in store.rglob("*") if p.is_file() and ".probe" not in p.name]
