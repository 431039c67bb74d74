"""One ffmpeg process per clip: raw frames in through a pipe, H.264/AAC MP4 out.

Frames are converted to YUV 4:2:0 here (OpenCV's BT.601 limited-range conversion,
the same matrix ffmpeg applies by default) before they enter the pipe: SIMD
conversion is several times cheaper than ffmpeg's scaler and halves the bytes piped.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np

from studio.core.errors import StudioError
from studio.core.media import input_args
from studio.video.media.audio import Speech


@dataclass(frozen=True)
class EncoderOptions:
    preset: str = "superfast"
    crf: int = 20
    threads: int = 0
    ffmpeg: str = "ffmpeg"


class VideoEncoder:
    """Writes frames of one size to an MP4, muxing `speech` (re-encoded to AAC) when given.

    Use as a context manager: leaving it normally finalises the file; leaving
    it with an exception kills ffmpeg and removes the partial output.
    """

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        fps: int,
        *,
        speech: Speech | None = None,
        options: EncoderOptions | None = None,
    ) -> None:
        options = options or EncoderOptions()
        self.path = path
        self.width, self.height, self.fps = width, height, fps
        self.frames = 0
        #: Seconds spent converting and handing frames to ffmpeg (blocking writes: encoding back-pressure).
        self.write_seconds = 0.0
        self._yuv = np.empty((height * 3 // 2, width), dtype=np.uint8)
        command = [
            options.ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", str(fps), "-i", "pipe:0",
        ]  # fmt: skip
        if speech is not None:
            command += [*input_args(speech.path, speech.container), "-map", "0:v:0", "-map", "1:a:0"]
            command += ["-c:a", "aac", "-b:a", "128k", "-ac", "1"]
        command += [
            "-c:v", "libx264", "-preset", options.preset, "-crf", str(options.crf), "-pix_fmt", "yuv420p",
            "-threads", str(options.threads), "-movflags", "+faststart", "-f", "mp4", str(path),
        ]  # fmt: skip
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the ffmpeg process
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=self._stderr)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ValueError(f"frame {frame.shape} {frame.dtype} != ({self.height}, {self.width}, 3) uint8")
        assert self._process.stdin is not None
        start = time.perf_counter()
        cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420, dst=self._yuv)
        try:
            self._process.stdin.write(self._yuv.data)
        except BrokenPipeError:
            self._process.wait()
            raise StudioError(f"video encoding failed: {self._error_text()}") from None
        self.write_seconds += time.perf_counter() - start
        self.frames += 1

    def close(self) -> None:
        """Finish the file; StudioError if ffmpeg failed."""
        assert self._process.stdin is not None
        start = time.perf_counter()
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass
        code = self._process.wait()
        self.write_seconds += time.perf_counter() - start
        if code != 0:
            self.path.unlink(missing_ok=True)
            raise StudioError(f"video encoding failed: {self._error_text()}")
        self._stderr.close()

    def abort(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._stderr.close()
        self.path.unlink(missing_ok=True)

    def _error_text(self) -> str:
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"ffmpeg exited with {self._process.returncode}"

    def __enter__(self) -> VideoEncoder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
