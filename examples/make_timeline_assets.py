"""Regenerate the media that examples/timeline.yaml renders from (the results are committed, ~1 MB).

Stills are drawn with Pillow (one is scikit-image's public-domain astronaut photo),
clips come from ffmpeg's test sources at different sizes and frame rates, narration
is real espeak-ng speech made by the audio service (`studio speak --timings`) with the
word timings espeak-ng reports, and the music is a synthesised chord loop.

    .venv/bin/python examples/make_timeline_assets.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ASSETS = Path(__file__).resolve().parent / "assets"
STUDIO = Path(sys.executable).parent / "studio"
NARRATION = {
    "narration1": "Every film starts with a single picture.",
    "narration2": "Then the pictures begin to move, at their own pace and size.",
    "narration3": "A portrait drifts past, slowly, from top to bottom.",
    "narration5": "Square clips are padded, never stretched.",
    "narration6": "And the music steps back whenever someone speaks. Thank you for watching.",
}

# --- narration: the audio service's espeak backend, with its word timings ----------------------


def narration(name: str, text: str) -> None:
    """Speak `text` with `studio speak` (espeak-ng) and keep its word timings beside the audio."""
    with tempfile.TemporaryDirectory() as tmp:
        timings = Path(tmp) / "timings.json"
        subprocess.run(
            [
                str(STUDIO),
                "speak",
                text,
                "--lang",
                "en",
                "--speed",
                "0.9",
                "--format",
                "flac",
                "-o",
                str(ASSETS / f"{name}.flac"),
                "--timings",
                str(timings),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        words = json.loads(timings.read_text())["words"]
    rows = [{"word": w["word"], "start_seconds": w["start"], "end_seconds": w["end"]} for w in words]
    (ASSETS / f"{name}.words.json").write_text(json.dumps(rows, indent=1) + "\n")


# --- pictures ------------------------------------------------------------------------------------


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def landscape_still(path: Path, size: tuple[int, int]) -> None:
    """A dusk landscape: sky gradient, sun, three ridges."""
    width, height = size
    y = np.linspace(0, 1, height)[:, None]
    sky = np.stack([60 + 180 * y, 40 + 90 * y, 120 - 40 * y], axis=-1) * np.ones((1, width, 1))
    image = Image.fromarray(sky.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.62, height * 0.25, width * 0.78, height * 0.25 + width * 0.16), fill=(255, 214, 140))
    for k, shade in enumerate(((70, 50, 90), (45, 35, 70), (25, 20, 45))):
        base = height * (0.55 + 0.14 * k)
        xs = np.linspace(0, width, 24)
        ys = base + height * 0.06 * np.sin(xs / width * (5 + 2 * k) + k)
        draw.polygon([(0, height), *zip(xs.tolist(), ys.tolist(), strict=True), (width, height)], fill=shade)
    image.filter(ImageFilter.SMOOTH).save(path, optimize=True)


def portrait_still(path: Path, size: tuple[int, int]) -> None:
    """A tall poster: stacked coloured bands and circles, to show a vertical pan."""
    width, height = size
    image = Image.new("RGB", size, (20, 24, 40))
    draw = ImageDraw.Draw(image)
    palette = [(231, 111, 81), (244, 162, 97), (233, 196, 106), (42, 157, 143), (38, 70, 83)]
    for k in range(10):
        top = k * height // 10
        draw.rectangle((0, top, width, top + height // 10), fill=palette[k % len(palette)])
        draw.ellipse((width * 0.3, top + 10, width * 0.7, top + 10 + width * 0.4), outline=(250, 250, 250), width=6)
    image.save(path, optimize=True)


def astronaut_still(path: Path) -> None:
    from skimage import data

    Image.fromarray(data.astronaut()).save(path, quality=88)


def clips() -> None:
    """Clips at three sizes and frame rates; one carries its own sound."""
    ffmpeg(
        "-f", "lavfi", "-i", "gradients=s=640x360:r=24:speed=0.03:n=4:d=6", "-t", "6",
        "-c:v", "libx264", "-crf", "30", "-preset", "slow", "-pix_fmt", "yuv420p",
        str(ASSETS / "clip_640x360_24fps.mp4"),
    )  # fmt: skip
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=25:d=3",
        "-f", "lavfi", "-i", "sine=f=660:beep_factor=4:d=3,volume=0.4",
        "-c:v", "libx264", "-crf", "38", "-preset", "slow", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
        "-shortest", str(ASSETS / "clip_1920x1080_25fps_sound.mp4"),
    )  # fmt: skip
    ffmpeg(
        "-f", "lavfi", "-i", "cellauto=s=480x480:r=30:rule=110:full=0", "-t", "5",
        "-vf", "negate,colorchannelmixer=rr=0.2:gg=0.7:bb=0.9",
        "-c:v", "libx264", "-crf", "32", "-preset", "slow", "-pix_fmt", "yuv420p",
        str(ASSETS / "clip_480x480_30fps.mp4"),
    )  # fmt: skip


# --- music ---------------------------------------------------------------------------------------


def music(path: Path, seconds: float = 16.0, rate: int = 44100) -> None:
    """A four-chord pad with a plucked arpeggio, 16 s so the film (~30 s) has to loop it."""
    t = np.arange(int(seconds * rate)) / rate
    chords = [(220.0, 277.18, 329.63), (196.0, 246.94, 293.66), (174.61, 220.0, 261.63), (196.0, 246.94, 311.13)]
    bar = seconds / len(chords)
    left = np.zeros_like(t)
    right = np.zeros_like(t)
    for k, chord in enumerate(chords):
        mask = (t >= k * bar) & (t < (k + 1) * bar)
        local = t[mask] - k * bar
        swell = np.minimum(1, local / 0.3) * np.minimum(1, (bar - local) / 0.3)
        pad = sum(np.sin(2 * np.pi * f * local) + 0.3 * np.sin(4 * np.pi * f * local) for f in chord)
        left[mask] += 0.12 * swell * pad
        right[mask] += 0.12 * swell * pad
        step = bar / 8
        for n in range(8):
            start = k * bar + n * step
            note = chord[n % 3] * 2
            pluck = (t >= start) & (t < start + step)
            tl = t[pluck] - start
            tone = 0.25 * np.sin(2 * np.pi * note * tl) * np.exp(-tl * 6)
            (left if n % 2 else right)[pluck] += tone
    stereo = np.stack([left, right], axis=1)
    stereo /= np.abs(stereo).max() / 0.7
    with tempfile.TemporaryDirectory() as tmp:
        wav_path = Path(tmp) / "music.wav"
        with wave.open(str(wav_path), "wb") as wav:
            wav.setnchannels(2)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes((stereo * 32767).astype("<i2").tobytes())
        ffmpeg("-i", str(wav_path), "-c:a", "libopus", "-b:a", "64k", str(path))


def main() -> None:
    ASSETS.mkdir(parents=True, exist_ok=True)
    astronaut_still(ASSETS / "astronaut_512x512.jpg")
    landscape_still(ASSETS / "dusk_2000x1000.png", (2000, 1000))
    portrait_still(ASSETS / "bands_720x1280.png", (720, 1280))
    clips()
    for name, text in NARRATION.items():
        narration(name, text)
    music(ASSETS / "music.opus")
    total = sum(p.stat().st_size for p in ASSETS.iterdir())
    print(f"wrote {len(list(ASSETS.iterdir()))} files, {total / 1e6:.2f} MB, to {ASSETS}")


if __name__ == "__main__":
    main()
