"""Fitting any picture into the requested output frame (crop when the subject allows, pad otherwise)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Fit:
    """Source pixel (x, y) lands on output pixel (scale*x + dx, scale*y + dy)."""

    scale: float
    dx: float
    dy: float

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.scale * x + self.dx, self.scale * y + self.dy


def plan_fit(
    source: tuple[int, int], target: tuple[int, int], subject: tuple[float, float, float, float] | None = None
) -> Fit:
    """Cover the target, centred on `subject` (x, y, w, h) with headroom; shrink (and pad) only if that would cut it.

    `subject` is the region that must stay whole in the output (a face with hair and chin).
    """
    sw, sh = source
    tw, th = target
    scale = max(tw / sw, th / sh)
    if subject is not None:
        _, _, bw, bh = subject
        scale = min(scale, tw / max(bw, 1.0), th / max(bh, 1.0))
    cx, cy = (subject[0] + subject[2] / 2, subject[1] + subject[3] / 2) if subject else (sw / 2, sh / 2)
    # Put the subject's centre at 45% of the height (a little headroom), then keep the picture covering the frame.
    dx = tw / 2 - scale * cx
    dy = 0.45 * th - scale * cy
    dx = _clamp_offset(dx, scale * sw, tw)
    dy = _clamp_offset(dy, scale * sh, th)
    return Fit(scale, dx, dy)


def _clamp_offset(offset: float, scaled: float, span: float) -> float:
    if scaled >= span:
        return min(0.0, max(span - scaled, offset))
    return (span - scaled) / 2  # smaller than the frame: centre it, padding both sides


def render_fit(image: np.ndarray, target: tuple[int, int], fit: Fit) -> np.ndarray:
    """The output canvas: the scaled picture over a blurred, dimmed copy of itself where it does not reach."""
    tw, th = target
    matrix = np.array([[fit.scale, 0.0, fit.dx], [0.0, fit.scale, fit.dy]], dtype=np.float64)
    h, w = image.shape[:2]
    covers = fit.dx <= 0 and fit.dy <= 0 and fit.scale * w + fit.dx >= tw and fit.scale * h + fit.dy >= th
    source = image
    if fit.scale < 0.75:  # pre-shrink with area averaging so a big downscale does not alias
        factor = fit.scale * 1.5
        source = cv2.resize(image, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=cv2.INTER_AREA)
        matrix[0, 0] /= source.shape[1] / w
        matrix[1, 1] /= source.shape[0] / h
    if covers:
        return cv2.warpAffine(source, matrix, (tw, th), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    cover = max(tw / w, th / h)
    back = cv2.resize(image, (max(tw, round(w * cover)), max(th, round(h * cover))), interpolation=cv2.INTER_AREA)
    oy, ox = (back.shape[0] - th) // 2, (back.shape[1] - tw) // 2
    back = back[oy : oy + th, ox : ox + tw]
    sigma = max(tw, th) / 40
    canvas = (cv2.GaussianBlur(back, (0, 0), sigma) * 0.6).astype(np.uint8)
    cv2.warpAffine(source, matrix, (tw, th), dst=canvas, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
    return canvas
