"""The `kenburns` backend: an eased camera move over the still, with a depth-proxy parallax.

Each frame is one backward remap of a pre-scaled copy of the image. There is
no depth model: "near" is a smooth guess (lower and central parts of a
picture are usually closer), strong enough to make planes slide a little
against each other and too smooth to tear anything.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from studio.video.animate.motion import CameraMove, plan
from studio.video.backends import AnimateJob


def ease(t: np.ndarray | float) -> np.ndarray:
    """Ease-in-out (sine): starts and stops gently."""
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(t, 0.0, 1.0))


def depth_proxy(width: int, height: int) -> np.ndarray:
    """0 (far) .. 1 (near) over the output frame."""
    x = (np.arange(width, dtype=np.float32) - width / 2) / (0.35 * width)
    y = np.arange(height, dtype=np.float32) / height
    lower = np.clip(y, 0, 1)[:, None] ** 1.5
    centre = np.exp(-(x[None, :] ** 2) - ((y[:, None] - 0.55) / 0.4) ** 2)
    depth = 0.55 * lower + 0.45 * centre
    return (depth / depth.max()).astype(np.float32)


class KenBurnsBackend:
    name = "kenburns"

    def describe(self, job: AnimateJob) -> str:
        return plan(job.motion).description

    def frames(self, job: AnimateJob) -> Iterator[np.ndarray]:
        move = plan(job.motion)
        width, height = job.size
        zmax = max(move.zoom)
        h, w = job.image.shape[:2]
        cover = max(width / w, height / h)
        # Work from a copy just big enough for the closest zoom: sharp, and cheap to sample.
        stage_scale = min(1.0, cover * zmax)
        image = job.image
        if stage_scale < 1.0:
            image = cv2.resize(
                image, (max(1, round(w * stage_scale)), max(1, round(h * stage_scale))), interpolation=cv2.INTER_AREA
            )
        sh, sw = image.shape[:2]
        base = max(width / sw, height / sh)
        xs = np.arange(width, dtype=np.float32) - width / 2
        ys = np.arange(height, dtype=np.float32) - height / 2
        grid_x, grid_y = np.meshgrid(xs, ys)
        depth = depth_proxy(width, height)
        steps = ease((np.arange(job.frames) + 0.5) / job.frames)
        return self._render(image, move, steps, base, grid_x, grid_y, depth, (width, height))

    def _render(
        self,
        image: np.ndarray,
        move: CameraMove,
        steps: np.ndarray,
        base: float,
        grid_x: np.ndarray,
        grid_y: np.ndarray,
        depth: np.ndarray,
        size: tuple[int, int],
    ) -> Iterator[np.ndarray]:
        width, height = size
        sh, sw = image.shape[:2]
        (z0, z1), (px0, px1), (py0, py1) = move.zoom, move.pan_x, move.pan_y
        zoom_dir = float(np.sign(z1 - z0))
        pan_dir = [float(np.sign(px1 - px0)), float(np.sign(py1 - py0))]
        if not zoom_dir and not any(pan_dir):
            pan_dir[0] = 1.0  # parallax alone still needs a direction to slide in
        for step in steps:
            e = float(step)
            zoom = z0 + (z1 - z0) * e
            scale = base * zoom
            cx = sw / 2 + (px0 + (px1 - px0) * e) * width / scale
            cy = sh / 2 + (py0 + (py1 - py0) * e) * height / scale
            # Near parts move further than far ones, in the direction of the camera move.
            swing = depth * np.float32(move.parallax * (e - 0.5))
            radial = 1.0 - np.float32(2.0 * zoom_dir) * swing
            map_x = np.float32(cx) + (grid_x * radial + np.float32(pan_dir[0] * width) * swing) / np.float32(scale)
            map_y = np.float32(cy) + (grid_y * radial + np.float32(pan_dir[1] * height) * swing) / np.float32(scale)
            yield cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
