"""Where the features of one face are, and how they move when the picture is scaled."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from studio.video.media.framing import Fit

Point = tuple[float, float]


@dataclass(frozen=True)
class FaceLayout:
    """A face in pixel coordinates: its box, eye centres, the lip line's centre and the mouth's half width."""

    box: tuple[float, float, float, float]
    left_eye: Point
    right_eye: Point
    mouth: Point
    mouth_half_width: float
    #: True when the eyes were found by the detector (False: placed from face proportions).
    eyes_detected: bool = False
    #: The portrait already shows teeth (a smile): the lip line is placed under them.
    teeth_visible: bool = False
    #: The lip line across the mouth, left to right (empty: straight through `mouth`).
    lip_curve: tuple[Point, ...] = ()

    @property
    def eye_distance(self) -> float:
        """Inter-ocular distance: the unit every feature size is expressed in."""
        return math.dist(self.left_eye, self.right_eye)

    @property
    def eye_line_y(self) -> float:
        return (self.left_eye[1] + self.right_eye[1]) / 2

    @property
    def centre_x(self) -> float:
        return (self.left_eye[0] + self.right_eye[0]) / 2

    def head_region(self) -> tuple[float, float, float, float]:
        """Face with hair and chin (x, y, w, h): what framing must keep whole."""
        unit = self.eye_distance
        return (self.centre_x - 1.6 * unit, self.eye_line_y - 1.9 * unit, 3.2 * unit, 3.9 * unit)

    def mapped(self, fit: Fit) -> FaceLayout:
        x, y, w, h = self.box
        bx, by = fit.point(x, y)
        return replace(
            self,
            box=(bx, by, w * fit.scale, h * fit.scale),
            left_eye=fit.point(*self.left_eye),
            right_eye=fit.point(*self.right_eye),
            mouth=fit.point(*self.mouth),
            mouth_half_width=self.mouth_half_width * fit.scale,
            lip_curve=tuple(fit.point(*p) for p in self.lip_curve),
        )
