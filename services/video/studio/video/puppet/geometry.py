"""Feature sizes of one face in output pixels, all proportional to the inter-ocular distance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from studio.video.face.layout import FaceLayout


def smoothstep(edge0: float | np.ndarray, edge1: float | np.ndarray, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@dataclass(frozen=True)
class Window:
    """A rectangle of the frame: rows y0:y1, columns x0:x1."""

    x0: int
    y0: int
    x1: int
    y1: int

    @staticmethod
    def around(left: float, top: float, right: float, bottom: float, width: int, height: int) -> Window:
        return Window(
            max(0, int(np.floor(left))),
            max(0, int(np.floor(top))),
            min(width, int(np.ceil(right)) + 1),
            min(height, int(np.ceil(bottom)) + 1),
        )

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    @property
    def empty(self) -> bool:
        return self.x1 - self.x0 < 2 or self.y1 - self.y0 < 2

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Absolute pixel coordinates (X, Y) of the window, float32."""
        xs = np.arange(self.x0, self.x1, dtype=np.float32)
        ys = np.arange(self.y0, self.y1, dtype=np.float32)
        return np.meshgrid(xs, ys)

    def within(self, outer: Window) -> Window:
        """This window in `outer`'s local coordinates."""
        return Window(self.x0 - outer.x0, self.y0 - outer.y0, self.x1 - outer.x0, self.y1 - outer.y0)


@dataclass(frozen=True)
class FaceGeometry:
    unit: float
    mouth_x: float
    lip_y: float
    mouth_half_width: float
    chin_y: float
    jaw_half_width: float
    #: Jaw drop and upper-lip lift at opening 1.0, in pixels.
    jaw_drop: float
    lip_lift: float
    #: Mouth-corner travel at width ±1, in pixels.
    corner_travel: float
    eyes: tuple[tuple[float, float], tuple[float, float]]
    teeth_visible: bool
    lip_curve: tuple[tuple[float, float], ...]
    eye_half_width: float
    eye_half_height: float
    #: Head ellipse (centre, semi-axes) that sways; pivot at the neck.
    head_centre: tuple[float, float]
    head_axes: tuple[float, float]
    pivot: tuple[float, float]

    @staticmethod
    def of(layout: FaceLayout) -> FaceGeometry:
        unit = max(layout.eye_distance, 8.0)
        mouth_x, lip_y = layout.mouth
        chin_y = lip_y + 0.72 * unit
        return FaceGeometry(
            unit=unit,
            mouth_x=mouth_x,
            lip_y=lip_y,
            mouth_half_width=max(layout.mouth_half_width, 0.3 * unit),
            chin_y=chin_y,
            jaw_half_width=0.85 * unit,
            jaw_drop=0.22 * unit,
            lip_lift=0.05 * unit,
            corner_travel=0.2 * unit,
            eyes=(layout.left_eye, layout.right_eye),
            teeth_visible=layout.teeth_visible,
            lip_curve=layout.lip_curve,
            eye_half_width=0.3 * unit,
            eye_half_height=0.105 * unit,
            head_centre=(layout.centre_x, layout.eye_line_y + 0.15 * unit),
            head_axes=(1.45 * unit, 1.95 * unit),
            pivot=(layout.centre_x, chin_y + 0.6 * unit),
        )

    def lip_rows(self, xs: np.ndarray) -> np.ndarray:
        """The lip line's height at columns `xs` (held level beyond the measured curve)."""
        if not self.lip_curve:
            return np.full(xs.shape, self.lip_y, dtype=np.float32)
        cx, cy = np.array(self.lip_curve, dtype=np.float64).T
        return np.interp(xs, cx, cy).astype(np.float32)

    def mouth_window(self, width: int, height: int) -> Window:
        reach = self.jaw_half_width * 1.15
        return Window.around(
            self.mouth_x - reach, self.lip_y - 0.45 * self.unit, self.mouth_x + reach, self.chin_y + 0.5 * self.unit,
            width, height,
        )  # fmt: skip

    def eye_window(self, eye: tuple[float, float], width: int, height: int) -> Window:
        ex, ey = eye
        reach = self.eye_half_width * 1.3
        top = ey - 3.5 * self.eye_half_height
        return Window.around(ex - reach, top, ex + reach, ey + self.eye_half_height + 0.1 * self.unit, width, height)

    def head_window(self, width: int, height: int) -> Window:
        (hx, hy), (ax, ay) = self.head_centre, self.head_axes
        return Window.around(hx - 1.3 * ax, hy - 1.3 * ay, hx + 1.3 * ax, hy + 1.3 * ay, width, height)
