"""Face, eye and mouth location with the Haar cascades shipped inside opencv-python-headless 4.x.

The cascades give a face box and (usually) the eyes; `face.mouth` then finds
the lip line below them.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.video.face.layout import FaceLayout
from studio.video.face.mouth import locate_mouth

NO_FACE = "no face found in portrait; give the face box by hand (face x,y,w,h in portrait pixels)"
#: Detection runs on a copy no larger than this (faces stay well above the cascades' 24 px window).
DETECT_SIDE = 800


@functools.cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / name  # type: ignore[attr-defined]
    classifier = cv2.CascadeClassifier(str(path))
    if classifier.empty():
        raise FailedPrecondition(f"OpenCV cascade {path} is missing; install opencv-python-headless>=4.9,<5")
    return classifier


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))


def detect_face(image: np.ndarray) -> tuple[int, int, int, int]:
    """The largest frontal face (x, y, w, h); FailedPrecondition if there is none."""
    h, w = image.shape[:2]
    shrink = min(1.0, DETECT_SIDE / max(h, w))
    small = (
        cv2.resize(image, (round(w * shrink), round(h * shrink)), interpolation=cv2.INTER_AREA) if shrink < 1 else image
    )
    gray = _gray(small)
    min_side = max(24, min(gray.shape) // 12)
    for name in ("haarcascade_frontalface_alt2.xml", "haarcascade_frontalface_default.xml"):
        found = _cascade(name).detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
        if len(found):
            x, y, fw, fh = max(found, key=lambda box: int(box[2]) * int(box[3]))
            return round(x / shrink), round(y / shrink), round(fw / shrink), round(fh / shrink)
    raise FailedPrecondition(NO_FACE)


def check_box(box: tuple[int, int, int, int], image: np.ndarray) -> tuple[int, int, int, int]:
    """Validate a hand-given face box against the portrait."""
    x, y, w, h = box
    height, width = image.shape[:2]
    if w < 24 or h < 24:
        raise InvalidInput(f"face: box {w}x{h} is too small; width and height must be at least 24 px")
    if x < 0 or y < 0 or x + w > width or y + h > height:
        raise InvalidInput(f"face: box ({x},{y},{w},{h}) does not lie inside the {width}x{height} portrait")
    return box


def _eyes(gray: np.ndarray, box: tuple[int, int, int, int]) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Eye centres inside the upper face: the best left/right pair at a similar height."""
    x, y, w, h = box
    top = gray[y : y + int(h * 0.6), x : x + w]
    candidates: list[tuple[float, float, float]] = []
    for name in ("haarcascade_eye.xml", "haarcascade_eye_tree_eyeglasses.xml"):
        found = _cascade(name).detectMultiScale(top, scaleFactor=1.05, minNeighbors=3, minSize=(w // 10, w // 10))
        candidates = [(x + ex + ew / 2, y + ey + eh / 2, float(ew)) for ex, ey, ew, eh in found]
        if len(candidates) >= 2:
            break
    best: tuple[float, tuple[float, float], tuple[float, float]] | None = None
    for i, a in enumerate(candidates):
        for b in candidates[i + 1 :]:
            left, right = (a, b) if a[0] < b[0] else (b, a)
            spread = right[0] - left[0]
            # Eyes sit on either side of the face's centre, 0.3-0.6 face widths apart, roughly level.
            if not (0.25 * w < spread < 0.65 * w) or abs(a[1] - b[1]) > 0.15 * w:
                continue
            if not (left[0] < x + w / 2 < right[0]):
                continue
            score = abs(spread - 0.42 * w) + abs(a[1] - b[1]) + abs(a[2] - b[2])
            if best is None or score < best[0]:
                best = (score, (left[0], left[1]), (right[0], right[1]))
    return None if best is None else (best[1], best[2])


def locate_features(image: np.ndarray, box: tuple[int, int, int, int]) -> FaceLayout:
    """Eyes and mouth of the face in `box` (detected eyes when possible, face proportions otherwise)."""
    x, y, w, h = box
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    eyes = _eyes(cv2.equalizeHist(gray), box)
    if eyes is not None:
        left, right = (float(eyes[0][0]), float(eyes[0][1])), (float(eyes[1][0]), float(eyes[1][1]))
    else:
        left, right = (x + 0.3 * w, y + 0.4 * h), (x + 0.7 * w, y + 0.4 * h)
    unit = float(np.hypot(right[0] - left[0], right[1] - left[1]))
    # The mouth's centre sits about one eye distance below the middle of the eyes.
    mouth = locate_mouth(image, (left[0] + right[0]) / 2, (left[1] + right[1]) / 2 + 1.0 * unit, unit)
    return FaceLayout(
        box=(float(x), float(y), float(w), float(h)),
        left_eye=left,
        right_eye=right,
        mouth=(mouth.x, mouth.y),
        mouth_half_width=mouth.half_width,
        eyes_detected=eyes is not None,
        teeth_visible=mouth.teeth_visible,
        lip_curve=mouth.curve,
    )


def find_face(image: np.ndarray, box: tuple[int, int, int, int] | None = None) -> FaceLayout:
    """The face layout of a portrait, from a hand-given box or the detector."""
    chosen = check_box(box, image) if box is not None else detect_face(image)
    return locate_features(image, chosen)


def warm_up() -> None:
    """Read every cascade once (a few MB of XML) so the first request does not pay for it."""
    for name in (
        "haarcascade_frontalface_alt2.xml",
        "haarcascade_frontalface_default.xml",
        "haarcascade_eye.xml",
        "haarcascade_eye_tree_eyeglasses.xml",
    ):
        _cascade(name)
