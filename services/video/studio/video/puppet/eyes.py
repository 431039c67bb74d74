"""Blinks: the upper lid slides down over the eye, textured with the photo's own lid skin.

Inside the almond-shaped eye opening, the part above the moving lid edge
shows the thin band of skin just above the eye, stretched down, with the
upper lash line at its lower edge: the lashes travel with the lid and at full
closure rest on the lower lid. Nothing above the eye moves, so brows and
forehead stay put.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.video.puppet.geometry import FaceGeometry, smoothstep

#: How much of the skin above the eye one pixel of closed lid shows (<1: the lid is a smooth, stretched surface).
STRETCH = 0.4


class EyeRig:
    def __init__(self, geometry: FaceGeometry, eye: tuple[float, float], canvas: np.ndarray) -> None:
        height, width = canvas.shape[:2]
        self.window = geometry.eye_window(eye, width, height)
        x, y = self.window.grid()
        self.y = y
        self.local_x = x - self.window.x0
        self.base = canvas[self.window.slices].copy()
        self.base_f = self.base.astype(np.float32)
        ex, ey = eye
        across = np.clip(1.0 - ((x - ex) / geometry.eye_half_width) ** 2, 0.0, 1.0)
        self.upper = ey - geometry.eye_half_height * across
        self.travel = 2.0 * geometry.eye_half_height * across
        # Start a lash-width above the lid line so the upper lashes travel instead of leaving a ring behind.
        lash = max(1.0, 0.045 * geometry.unit)
        self.inside_top = smoothstep(self.upper - lash - 1.0, self.upper - lash + 0.5, y) * (across > 0.02)

    def render(self, blink: float) -> np.ndarray:
        if blink < 0.02 or self.window.empty:
            return self.base
        edge = self.upper + blink * self.travel
        # Row `edge` shows the lash line (row `upper`); rows above it show the skin above, magnified 1/STRETCH times.
        source_y = (self.upper - self.window.y0) + (self.y - edge) * STRETCH
        lid = cv2.remap(
            self.base_f, self.local_x, source_y.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        alpha = (self.inside_top * (1.0 - smoothstep(edge - 0.6, edge + 0.6, self.y)))[..., None]
        return (self.base_f + (lid - self.base_f) * alpha).astype(np.uint8)
