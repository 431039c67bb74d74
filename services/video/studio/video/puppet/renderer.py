"""Puppet frames: the still canvas with its head region re-rendered per frame.

Only the head window changes: the mouth and eye windows are deformed first
(in head coordinates), then the whole head window is swayed by one remap with
precomputed, mask-weighted rotation/translation fields. Everything outside
stays the untouched canvas, so a frame costs a few small remaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from studio.video.face.layout import FaceLayout
from studio.video.lipsync.tracks import MouthTrack
from studio.video.puppet.eyes import EyeRig
from studio.video.puppet.geometry import FaceGeometry, smoothstep
from studio.video.puppet.motion import blink_curve, blink_times, head_sway
from studio.video.puppet.mouth import MouthRig


@dataclass(frozen=True)
class Pose:
    """One frame's animation parameters."""

    opening: float = 0.0
    width: float = 0.0
    blink: float = 0.0
    roll: float = 0.0
    dx: float = 0.0
    dy: float = 0.0


class PuppetRenderer:
    def __init__(self, canvas: np.ndarray, layout: FaceLayout) -> None:
        height, width = canvas.shape[:2]
        self.geometry = g = FaceGeometry.of(layout)
        self.canvas = np.ascontiguousarray(canvas)
        self.frame = self.canvas.copy()
        self.mouth = MouthRig(g, self.canvas)
        self.eyes = [EyeRig(g, eye, self.canvas) for eye in g.eyes]
        self.head = g.head_window(width, height)
        self.head_base = self.canvas[self.head.slices].copy()
        self.work = self.head_base.copy()
        x, y = self.head.grid()
        (hx, hy), (ax, ay) = g.head_centre, g.head_axes
        radius = np.sqrt(((x - hx) / ax) ** 2 + ((y - hy) / ay) ** 2)
        mask = (1.0 - smoothstep(0.85, 1.3, radius)).astype(np.float32)
        px, py = g.pivot
        self.grid_x, self.grid_y = x - self.head.x0, y - self.head.y0
        self.mask = mask
        self.rot_x = (-(y - py) * mask).astype(np.float32)
        self.rot_y = ((x - px) * mask).astype(np.float32)
        self.map_x = np.empty_like(x)
        self.map_y = np.empty_like(y)
        self._mouth_at = self.mouth.window.within(self.head)
        self._eyes_at = [(rig.window.within(self.head), rig) for rig in self.eyes]

    def render(self, pose: Pose) -> np.ndarray:
        """The frame for `pose` (a view of an internal buffer: consume it before the next call)."""
        work = self.work
        np.copyto(work, self.head_base)
        ys, xs = self._mouth_at.slices
        work[ys, xs] = self.mouth.render(pose.opening, pose.width)
        for local, rig in self._eyes_at:
            ys, xs = local.slices
            work[ys, xs] = rig.render(pose.blink)
        # Backward map: each output pixel samples where the swayed head came from.
        cv2.scaleAdd(self.rot_x, -pose.roll, self.grid_x, dst=self.map_x)
        cv2.scaleAdd(self.mask, -pose.dx, self.map_x, dst=self.map_x)
        cv2.scaleAdd(self.rot_y, -pose.roll, self.grid_y, dst=self.map_y)
        cv2.scaleAdd(self.mask, -pose.dy, self.map_y, dst=self.map_y)
        ys, xs = self.head.slices
        self.frame[ys, xs] = cv2.remap(work, self.map_x, self.map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        return self.frame


def poses(track: MouthTrack, fps: int, unit: float, seed: int, *, blinks: bool = True, sway: bool = True) -> list[Pose]:
    """The whole performance: mouth from the track, blinks and head drift from a seeded generator."""
    frames = len(track)
    rng = np.random.default_rng(seed)
    blink = blink_curve(blink_times(frames / fps, rng), fps, frames) if blinks else np.zeros(frames)
    roll, dx, dy = head_sway(frames, fps, unit, track.level, rng)
    if not sway:
        roll, dx, dy = np.zeros(frames), np.zeros(frames), np.zeros(frames)
    return [
        Pose(float(track.open[i]), float(track.width[i]), float(blink[i]), float(roll[i]), float(dx[i]), float(dy[i]))
        for i in range(frames)
    ]


def perform(renderer: PuppetRenderer, performance: list[Pose]) -> Iterator[np.ndarray]:
    for pose in performance:
        yield renderer.render(pose)
