"""The jaw and lips: a mesh-free warp of the lower face plus a shaded mouth interior.

The lower face is pulled down (jaw), the upper lip lifted, and the corners
pushed out or in (spread/rounded) by a displacement field that is
discontinuous along the lip line only between the mouth corners. Backward
mapping turns that split into a lens-shaped gap, which is filled with a
shaded cavity, a hint of upper (and, wide open, lower) teeth and a tongue.
"""

from __future__ import annotations

import cv2
import numpy as np

from studio.video.puppet.geometry import FaceGeometry, Window, smoothstep

TEETH = np.array([232.0, 226.0, 214.0], dtype=np.float32)
TONGUE = np.array([176.0, 78.0, 82.0], dtype=np.float32)
CAVITY = np.array([62.0, 16.0, 20.0], dtype=np.float32)


class MouthRig:
    def __init__(self, geometry: FaceGeometry, canvas: np.ndarray) -> None:
        height, width = canvas.shape[:2]
        self.g = geometry
        self.paint_upper_teeth = not geometry.teeth_visible
        self.window = geometry.mouth_window(width, height)
        self.x, self.y = self.window.grid()
        self.base = canvas[self.window.slices].copy()
        self.local_x, self.local_y = self.x - self.window.x0, self.y - self.window.y0
        self.dx = self.x - geometry.mouth_x
        # The split follows the photo's own lip line (curved in a smile), column by column.
        self.lip = geometry.lip_rows(self.x[:1])
        self.below = self.y >= self.lip
        span = np.maximum(geometry.chin_y - self.lip, 1.0)
        self.jaw_progress = np.sqrt(np.clip((self.y - self.lip) / span, 0.0, 1.0))
        self.chin_falloff = 1.0 - smoothstep(geometry.chin_y, geometry.chin_y + 0.45 * geometry.unit, self.y)
        self.lift_falloff = smoothstep(self.lip - 0.35 * geometry.unit, self.lip, self.y) * ~self.below
        near_lips = np.exp(-(((self.y - geometry.lip_y) / (0.3 * geometry.unit)) ** 2))
        rel = self.dx / geometry.mouth_half_width
        self.corner_field = (rel * np.exp(-((rel / 1.3) ** 2)) * near_lips).astype(np.float32)
        # The cavity takes its hue from the lips themselves, much darker.
        lip_band = self.base[
            max(0, int(geometry.lip_y - self.window.y0) - 2) : int(geometry.lip_y - self.window.y0) + 3,
            max(0, int(geometry.mouth_x - self.window.x0 - geometry.mouth_half_width * 0.6)) : int(
                geometry.mouth_x - self.window.x0 + geometry.mouth_half_width * 0.6
            ),
        ]
        lip = lip_band.reshape(-1, 3).mean(axis=0) if lip_band.size else np.array([150.0, 80.0, 80.0])
        self.cavity_dark = (0.5 * lip * 0.2 + 0.5 * CAVITY).astype(np.float32)
        self.cavity_light = (0.5 * lip * 0.55 + 0.5 * CAVITY * 2.2).astype(np.float32)

    def render(self, opening: float, width: float) -> np.ndarray:
        """The mouth window with the jaw open by `opening` (0..1) and lip width `width` (-1..1)."""
        g = self.g
        if opening < 0.01 and abs(width) < 0.01:
            return self.base
        half = g.mouth_half_width * (0.92 + 0.25 * width)
        lens = np.clip(1.0 - (self.dx / half) ** 2, 0.0, 1.0)
        jaw_half = half + (g.jaw_half_width - half) * self.jaw_progress
        jaw = np.clip(1.0 - (self.dx / jaw_half) ** 2, 0.0, 1.0) ** 0.8
        drop, lift = g.jaw_drop * opening, g.lip_lift * opening
        shift_y = np.where(self.below, drop * jaw * self.chin_falloff, -lift * lens * self.lift_falloff)
        shift_x = (g.corner_travel * width) * self.corner_field
        warped = cv2.remap(
            self.base, self.local_x - shift_x, (self.local_y - shift_y).astype(np.float32), cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip
        if opening >= 0.01:
            self._fill_interior(warped, lens, drop, lift)
        return warped

    def _fill_interior(self, warped: np.ndarray, lens: np.ndarray, drop: float, lift: float) -> None:
        g = self.g
        top = self.lip - lift * lens
        bottom = self.lip + drop * lens**0.8
        gap = bottom - top
        inside = np.minimum(self.y - top, bottom - self.y)
        feather = max(0.5, 0.012 * g.unit)  # anti-aliased lips at any output size
        alpha = np.clip((inside + feather) / (2 * feather), 0.0, 1.0) * (gap > 0.6)
        rows = np.flatnonzero(alpha.any(axis=1))
        if rows.size == 0:
            return
        r0, r1 = int(rows[0]), int(rows[-1]) + 1
        a = alpha[r0:r1, :, None].astype(np.float32)
        y, dx, t_top, t_gap = self.y[r0:r1], self.dx[r0:r1], top[r0:r1], np.maximum(gap[r0:r1], 1e-3)
        t = np.clip((y - t_top) / t_gap, 0.0, 1.0)[..., None]
        across = np.clip(dx / (g.mouth_half_width * 1.1), -1.0, 1.0)[..., None]
        shade = 1.0 - 0.45 * across**2
        colour = (self.cavity_dark + (self.cavity_light - self.cavity_dark) * (t**1.5)) * shade
        max_gap = float(gap.max())
        unit = g.unit
        # Tongue: lower part of a wide-open mouth.
        tongue = smoothstep(0.45, 0.95, t) * (1.0 - 0.8 * across**2) * 0.8 * min(1.0, max_gap / (0.16 * unit))
        colour = colour + (TONGUE * shade - colour) * tongue
        # Upper teeth: a band under the upper lip, narrower than the mouth, with soft gaps between teeth.
        teeth_h = min(0.085 * unit, 0.45 * max_gap)
        depth = (y - t_top)[..., None]
        tooth_gaps = 1.0 - 0.18 * np.abs(np.cos(np.pi * dx / (0.2 * g.mouth_half_width)))[..., None] ** 12
        upper = (1.0 - smoothstep(teeth_h * 0.7, teeth_h, depth)) * (1.0 - smoothstep(0.6, 0.8, np.abs(across)))
        teeth = TEETH * shade * tooth_gaps * (1.0 - 0.25 * depth / max(teeth_h, 1.0))
        if self.paint_upper_teeth:
            colour = colour + (teeth - colour) * (upper * 0.9)
        if max_gap > 0.16 * unit:  # lower teeth peek out only when wide open
            lower_h = min(0.05 * unit, 0.2 * max_gap)
            from_bottom = (t_top + t_gap)[..., None] - y[..., None]
            lower = (1.0 - smoothstep(lower_h * 0.6, lower_h, from_bottom)) * (
                1.0 - smoothstep(0.45, 0.65, np.abs(across))
            )
            colour = colour + (TEETH * 0.8 * shade - colour) * (lower * 0.5)
        # The lips shade what is just behind them.
        colour = colour * (0.6 + 0.4 * smoothstep(0.0, np.maximum(0.3 * t_gap, 1.0), inside[r0:r1]))[..., None]
        region = warped[r0:r1].astype(np.float32)
        warped[r0:r1] = (region + (colour - region) * a).astype(np.uint8)


__all__ = ["MouthRig", "Window"]
