"""Checks that downloaded results are what they claim to be."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path


def assert_wav(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as audio:
        frames, rate = audio.getnframes(), audio.getframerate()
    assert frames > 0 and rate > 0
    return frames / rate


def assert_image(data: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        image.verify()
        return image.size


def probe(data: bytes, suffix: str = ".mp4") -> dict[str, object]:
    ffprobe = shutil.which("ffprobe")
    assert ffprobe, "ffprobe is needed (scripts/bootstrap-system.sh installs it)"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"media{suffix}"
        path.write_bytes(data)
        out = subprocess.run(
            [ffprobe, "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
            check=True,
            capture_output=True,
        ).stdout
    info: dict[str, object] = json.loads(out)
    return info


def assert_video_with_audio(data: bytes) -> None:
    info = probe(data)
    kinds = {stream["codec_type"] for stream in info["streams"]}  # type: ignore[attr-defined, index]
    assert {"video", "audio"} <= kinds, kinds


def spoken_sample(tmp_path: Path) -> bytes:
    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is needed (scripts/bootstrap-system.sh installs it)"
    path = tmp_path / "sample.wav"
    text = (
        "Olá! Esta é uma gravação de teste da minha voz. Eu falo devagar e com clareza, "
        "frase por frase, para que o estúdio possa aprender o meu timbre, o meu ritmo e a minha entonação. "
        "Depois disso, ele vai ler qualquer texto com uma voz parecida com a minha."
    )
    subprocess.run([espeak, "-v", "pt-br", "-s", "140", "-w", str(path), text], check=True)
    return path.read_bytes()
