"""Acceptance on a real portrait: the mouth follows the speech, the upper face stays put, the MP4 is well-formed."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from studio.v1.video_pb2 import CreateAvatarVideoRequest
from tests.video.conftest import VideoHarness, decode_audio, decode_frames, probe_streams

# Regions of skimage's astronaut.png (512x512), read off the photo: lips and jaw; eyes; forehead below the fringe.
MOUTH = (slice(136, 182), slice(198, 252))
EYES = (slice(90, 112), slice(186, 264))
FOREHEAD = (slice(70, 86), slice(194, 256))


def region_motion(frames: np.ndarray, still: np.ndarray, region: tuple[slice, slice]) -> np.ndarray:
    """Per frame: mean absolute difference from the still portrait inside `region`."""
    ys, xs = region
    return np.abs(frames[:, ys, xs].astype(np.float32) - still[ys, xs].astype(np.float32)).mean(axis=(1, 2, 3))


def upper_face_residual(
    frames: np.ndarray, still: np.ndarray, region: tuple[slice, slice]
) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: the rigid shift of the upper face (head sway) and the difference left once it is undone.

    The shift is measured by phase correlation over a band around eyes and forehead; what remains after
    moving the frame back is deformation (blinks, warping) plus codec noise.
    """
    band = (slice(60, 120), slice(170, 280))
    reference = cv2.cvtColor(still, cv2.COLOR_RGB2GRAY).astype(np.float64)[band]
    window = cv2.createHanningWindow((reference.shape[1], reference.shape[0]), cv2.CV_64F)
    shifts, residuals = [], []
    ys, xs = region
    for frame in frames:
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float64)[band]
        (dx, dy), _ = cv2.phaseCorrelate(reference, gray, window)
        back = cv2.warpAffine(
            frame, np.array([[1, 0, -dx], [0, 1, -dy]], dtype=np.float64), frame.shape[1::-1], flags=cv2.INTER_LINEAR
        )
        shifts.append(np.hypot(dx, dy))
        residuals.append(np.abs(back[ys, xs].astype(np.float32) - still[ys, xs].astype(np.float32)).mean())
    return np.array(shifts), np.array(residuals)


def frame_energy(samples: np.ndarray, rate: int, fps: int, frames: int) -> np.ndarray:
    hop = rate // fps
    padded = np.concatenate([samples, np.zeros(hop * frames, dtype=np.float32)])
    return np.sqrt(np.mean(padded[: hop * frames].reshape(frames, hop) ** 2, axis=1))


async def test_mouth_follows_speech_and_upper_face_is_stable(
    video: VideoHarness, astronaut_png: Path, speech_wav: Path, tmp_path: Path
) -> None:
    request = CreateAvatarVideoRequest(portrait=await video.put(astronaut_png), audio=await video.put(speech_wav))
    result = await video.call("CreateAvatarVideo", request)
    out = await video.fetch(result.video, tmp_path / "avatar.mp4")

    assert (result.width, result.height, result.fps, result.backend) == (512, 512, 25, "puppet")
    assert result.mouth_driver == "energy"
    frames = decode_frames(out, 512, 512)
    assert len(frames) == result.frames
    still = np.asarray(Image.open(astronaut_png).convert("RGB"))

    mouth = region_motion(frames, still, MOUTH)
    energy = frame_energy(decode_audio(out), 16_000, 25, len(frames))
    r = float(np.corrcoef(mouth, energy)[0, 1])
    assert r >= 0.5, f"mouth motion vs audio energy: Pearson r = {r:.3f}"
    # The mouth really opens while speaking and rests (only codec noise left) in the pauses.
    speaking, silent = energy > 0.3 * energy.max(), energy < 0.01 * energy.max()
    assert silent.sum() >= 10
    assert mouth[speaking].mean() > 3 * np.median(mouth[silent]) > 0

    mouth_peak = float(np.percentile(mouth, 95))
    # The head sways, subtly: the upper face moves rigidly by well under two pixels.
    sway, forehead = upper_face_residual(frames, still, FOREHEAD)
    assert 0.05 < float(sway.max()) < 2.0, f"head sway up to {sway.max():.2f} px"
    # Beyond that rigid drift the forehead does not deform: what is left is codec noise.
    assert float(forehead.max()) < 0.2 * mouth_peak, (float(forehead.max()), mouth_peak)
    # Eyes: the same, except during blinks, which are brief (a few frames every few seconds) but present.
    _, eyes = upper_face_residual(frames, still, EYES)
    blinking = eyes > 2.0 * np.median(eyes) + 2.0
    assert 0 < blinking.mean() < 0.2, f"blink frames: {blinking.mean():.2f}"
    assert float(np.percentile(eyes[~blinking], 95)) < 0.2 * mouth_peak, (eyes.tolist(), mouth_peak)


async def test_mp4_is_h264_aac_25fps_and_durations_match(
    video: VideoHarness, astronaut_png: Path, phrase_wav: Path, tmp_path: Path
) -> None:
    request = CreateAvatarVideoRequest(
        portrait=await video.put(astronaut_png), audio=await video.put(phrase_wav), width=720, height=1280
    )
    result = await video.call("CreateAvatarVideo", request)
    streams = probe_streams(await video.fetch(result.video, tmp_path / "avatar.mp4"))
    v, a = streams["video"], streams["audio"]
    assert (v["codec_name"], v["pix_fmt"], v["r_frame_rate"]) == ("h264", "yuv420p", "25/1")
    assert (int(v["width"]), int(v["height"])) == (720, 1280)
    assert a["codec_name"] == "aac"
    source_seconds = len(decode_audio(phrase_wav)) / 16_000
    assert abs(float(v["duration"]) - float(a["duration"])) <= 0.04
    assert abs(float(v["duration"]) - source_seconds) <= 0.04
    assert int(v["nb_frames"]) == result.frames
    assert video.progress[-1] == 1.0 and video.progress == sorted(video.progress)
