"""The demo acceptance, for real: `studio render examples/luna.yaml` with the in-process services.

One render (the slowest thing here) feeds every check: ≥ 25 s, 1280x720, an audio
stream with speech and music, subtitles beside the film, a talking-head shot.
"""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from studio.cli.main import app
from tests.conftest import require_binary
from tests.studio.subtitles import cues

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RATE = 16000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_binary("ffmpeg")
    out = tmp_path_factory.mktemp("demo") / "demo.mp4"
    result = CliRunner().invoke(app, ["render", str(EXAMPLES / "luna.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.stderr or result.output
    assert result.stdout.split() == [str(out), str(out.with_suffix(".srt")), str(out.with_suffix(".vtt")),
                                     str(out.with_suffix(".png"))]  # fmt: skip
    return out


def probe(path: Path) -> dict[str, object]:
    command = ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)]
    data: dict[str, object] = json.loads(subprocess.run(command, capture_output=True, check=True).stdout)
    return data


def test_film_is_long_enough_720p_with_audio(demo: Path) -> None:
    info = probe(demo)
    streams = info["streams"]
    assert isinstance(streams, list)
    video = next(s for s in streams if s["codec_type"] == "video")
    assert (video["width"], video["height"], video["codec_name"]) == (1280, 720, "h264")
    assert any(s["codec_type"] == "audio" for s in streams)
    assert float(info["format"]["duration"]) >= 25.0  # type: ignore[index]
    assert demo.with_suffix(".png").stat().st_size > 10_000


def test_subtitles_follow_the_narration(demo: Path) -> None:
    found = cues(demo.with_suffix(".srt"))
    text = " ".join(t for _, _, t in found)
    assert "Luna" in text and "Pip" in text and "amigo" in text
    assert all(a < b for a, b, _ in found) and all(b1 <= a2 for (_, b1, _), (a2, _, _) in itertools.pairwise(found))
    assert demo.with_suffix(".vtt").read_text(encoding="utf-8").startswith("WEBVTT")


def test_audio_has_speech_and_music(demo: Path) -> None:
    command = ["ffmpeg", "-v", "error", "-i", str(demo), "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"]
    samples = np.frombuffer(subprocess.run(command, capture_output=True, check=True).stdout, np.float32)

    def level(start: float, end: float) -> float:
        window = samples[int(start * RATE) : int(end * RATE)]
        return float(20 * np.log10(np.sqrt(np.mean(window**2)) + 1e-9))

    spoken = cues(demo.with_suffix(".srt"))
    gaps = [(b + 0.05, a - 0.05) for (_, b, _), (a, _, _) in itertools.pairwise(spoken) if a - b > 0.3]
    speech = np.mean([level(a, b) for a, b, _ in spoken])
    between = np.mean([level(a, b) for a, b in gaps])
    assert between > -35, f"no music between the lines ({between:.1f} dBFS)"
    assert speech > between + 1.5, f"speech ({speech:.1f} dBFS) does not stand out over the music ({between:.1f})"


def test_luna_speaks_on_screen(demo: Path) -> None:
    start, end, _ = next(c for c in cues(demo.with_suffix(".srt")) if "amigo" in c[2])
    frames = []
    capture = cv2.VideoCapture(str(demo))
    for t in np.linspace(start + 0.2, end - 0.2, 6):
        capture.set(cv2.CAP_PROP_POS_MSEC, t * 1000)
        ok, frame = capture.read()
        assert ok
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    capture.release()
    cascades = Path(cv2.data.haarcascades)  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(str(cascades / "haarcascade_frontalface_default.xml"))
    faces = cascade.detectMultiScale(frames[0], scaleFactor=1.1, minNeighbors=5, minSize=(60, 60))
    assert len(faces) >= 1, "no face on screen while Luna speaks"
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    mouths = [f[y + h * 2 // 3 : y + h, x : x + w].astype(np.float32) for f in frames]
    motion = max(float(np.mean(np.abs(a - b))) for a, b in itertools.pairwise(mouths))
    assert motion > 1.0, "the face does not move while Luna speaks"
