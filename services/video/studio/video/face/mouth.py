"""Where the lips meet: the mouth line's height, whether teeth show, and its curve across the mouth.

The mouth is first placed from the eyes by face proportions; the line is then
the darkest row nearby (closed lips meet in a dark line) or, when the photo
shows teeth, the lower edge of the upper teeth. Per column, the same rule
gives the curve a smile bends the line into.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Point = tuple[float, float]


@dataclass(frozen=True)
class MouthShape:
    x: float
    y: float
    half_width: float
    teeth_visible: bool
    #: The lip line sampled across the mouth, left to right.
    curve: tuple[Point, ...]


def _teeth_mask(hsv: np.ndarray, rows: slice, cols: slice, skin: np.ndarray) -> np.ndarray:
    """Teeth: clearly less saturated and brighter than the face's skin."""
    sat, val = float(np.median(skin[:, 1])), float(np.median(skin[:, 2]))
    region = hsv[rows, cols]
    mask: np.ndarray = (region[..., 1] < 0.65 * sat) & (region[..., 2] > min(250.0, 1.04 * val))
    return mask


def _darkest_row(gray: np.ndarray, x: float, y: float, half_w: int, reach: int) -> float:
    top, bottom = max(0, int(y) - reach), min(gray.shape[0], int(y) + reach + 1)
    left, right = max(0, int(x) - half_w), min(gray.shape[1], int(x) + half_w + 1)
    if bottom - top < 3 or right - left < 1:
        return y
    rows = gray[top:bottom, left:right].mean(axis=1)
    # Prefer rows near the estimate: a gentle penalty for distance.
    penalty = np.abs(np.arange(top, bottom) - y) / reach * 0.15 * (rows.max() - rows.min() + 1e-3)
    return float(top + int(np.argmin(rows + penalty)))


def _teeth_bottom(teeth: np.ndarray, top: int, y: float, unit: float) -> float | None:
    """The row under the first band of teeth rows near the estimate, if there is one."""
    rows = teeth.mean(axis=1) > 0.35
    start = None
    for index, on in enumerate([*rows.tolist(), False]):
        if on and start is None:
            start = index
        elif not on and start is not None:
            if index - start >= 2 and abs(top + start - y) <= 0.2 * unit:
                return float(top + index)
            start = None
    return None


def locate_mouth(image: np.ndarray, x: float, y_estimate: float, unit: float) -> MouthShape:
    """The mouth line of the face whose eyes are `unit` apart, with the mouth centred at column `x`."""
    gray = cv2.GaussianBlur(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32), (0, 0), 1.0)
    half_width = 0.42 * unit
    y = _darkest_row(gray, x, y_estimate, max(2, int(0.3 * unit)), max(2, int(0.15 * unit)))
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV).astype(np.float32)
    height, width = gray.shape
    cols = slice(max(0, int(x - half_width)), min(width, int(x + half_width) + 1))
    centre = slice(max(0, int(x - 0.5 * half_width)), min(width, int(x + 0.5 * half_width) + 1))
    skin = hsv[max(0, int(y - 0.45 * unit)) : max(1, int(y - 0.3 * unit)), centre].reshape(-1, 3)
    top, bottom = max(0, int(y - 0.3 * unit)), min(height, int(y + 0.3 * unit) + 1)
    teeth_y = None
    teeth = np.zeros((0, 0), bool)
    if skin.size and bottom - top >= 3:
        teeth = _teeth_mask(hsv, slice(top, bottom), cols, skin)
        centre_cols = slice(centre.start - cols.start, centre.stop - cols.start)
        teeth_y = _teeth_bottom(teeth[:, centre_cols], top, y, unit)
    if teeth_y is not None:
        y = teeth_y
    xs = np.arange(cols.start, cols.stop)
    line = np.empty(len(xs))
    for i, column in enumerate(xs):
        found = np.flatnonzero(teeth[: int(y) - top + 3, i]) if teeth_y is not None else np.empty(0, int)
        if found.size:  # under the teeth in this column
            line[i] = top + found[-1] + 1
        else:
            line[i] = _darkest_row(gray, float(column), y, 1, max(2, int(0.1 * unit)))
    # A lip line is a gentle arc: fit a parabola (robust to single teeth and shadows), then keep it shallow.
    line = np.clip(line, y - 0.12 * unit, y + 0.12 * unit)
    if len(line) >= 5:
        u = (xs - x) / half_width
        a, b, _ = np.polyfit(u, line, 2)
        a, b = float(np.clip(a, -0.15 * unit, 0.15 * unit)), float(np.clip(b, -0.05 * unit, 0.05 * unit))
        line = y + a * u**2 + b * u
    else:
        line = np.full(len(xs), y)
    curve = tuple((float(cx), float(cy)) for cx, cy in zip(xs, line, strict=True))
    return MouthShape(float(x), float(y), half_width, teeth_y is not None, curve)
