"""Real media for the fake providers to hand back: PNG images, WAV music, MP4 clips, PCM speech."""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image

#: Seconds each character of fake speech lasts (the fake ElevenLabs alignment is built from it).
CHAR_SECONDS = 0.06
SPEECH_RATE = 24000


def png(width: int, height: int, seed: str) -> bytes:
    """A gradient in colours derived from `seed` (so different prompts give different pictures)."""
    digest = hashlib.sha256(seed.encode()).digest()
    top, bottom = np.array(list(digest[:3]), dtype=np.float32), np.array(list(digest[3:6]), dtype=np.float32)
    ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    pixels = (top * (1 - ramp) + bottom * ramp).repeat(width, axis=1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def image_size(data_uri_or_base64: str) -> tuple[int, int]:
    raw = data_uri_or_base64.split(",", 1)[1] if data_uri_or_base64.startswith("data:") else data_uri_or_base64
    with Image.open(io.BytesIO(base64.b64decode(raw))) as image:
        return image.size


def wav(seconds: float, rate: int = 32000) -> bytes:
    """A stereo chord, `seconds` long."""
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0)) / 6
    buffer = io.BytesIO()
    sf.write(buffer, np.stack([chord, chord * 0.9], axis=1), rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def mp4(seconds: int, still: str = "", width: int = 640, height: int = 360, fps: int = 24) -> bytes:
    """A clip: the given still (base64 or data URI) held for `seconds`, or a test pattern."""
    with tempfile.TemporaryDirectory(prefix="fake-provider-") as tmp:
        out = Path(tmp) / "clip.mp4"
        if still:
            raw = still.split(",", 1)[1] if still.startswith("data:") else still
            source = Path(tmp) / "still.jpg"
            source.write_bytes(base64.b64decode(raw))
            inputs = ["-loop", "1", "-i", str(source)]
        else:
            inputs = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
        filters = f"scale={width}:{height}:force_original_aspect_ratio=increase,crop={width}:{height},fps={fps}"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", *inputs, "-t", str(seconds), "-vf", filters, "-c:v", "libx264",
             "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-y", str(out)],
            check=True,
        )  # fmt: skip
        return out.read_bytes()


def speech(text: str) -> tuple[bytes, dict[str, list[object]]]:
    """24 kHz PCM (s16le) and ElevenLabs' alignment for `text`: each character lasts CHAR_SECONDS."""
    per = int(CHAR_SECONDS * SPEECH_RATE)
    t = np.arange(per, dtype=np.float32) / SPEECH_RATE
    envelope = np.sin(np.pi * np.arange(per) / per).astype(np.float32)
    pieces = []
    for index, char in enumerate(text):
        if char.isspace() or not char.isalnum():
            pieces.append(np.zeros(per, dtype=np.float32))
        else:
            pieces.append(0.3 * envelope * np.sin(2 * np.pi * (140 + 5 * (index % 7)) * t))
    samples = np.concatenate(pieces) if pieces else np.zeros(per, dtype=np.float32)
    pcm = (samples * 32767).astype("<i2").tobytes()
    alignment: dict[str, list[object]] = {
        "characters": list(text),
        "character_start_times_seconds": [round(i * CHAR_SECONDS, 3) for i in range(len(text))],
        "character_end_times_seconds": [round((i + 1) * CHAR_SECONDS, 3) for i in range(len(text))],
    }
    return pcm, alignment
