"""Regenerate the example portraits from scikit-image's public-domain astronaut photo (NASA).

The lite talking-head backend (puppet) animates a real face it can detect; the
draft image backend paints illustrations without one, so the on-screen
characters of the examples use these files:

- examples/luna/luna.jpg: watercolour-styled, for Luna in luna.yaml;
- examples/presenter/host.jpg: a natural head-and-shoulders crop, for presenter.yaml.

Run: .venv/bin/python examples/luna/make_portraits.py
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from skimage import data

EXAMPLES = Path(__file__).resolve().parent.parent
#: Head and shoulders of the astronaut photo (x0, y0, x1, y1 in its 512x512 pixels).
HEAD_AND_SHOULDERS = (64, 0, 448, 384)


def watercolour(rgb: np.ndarray) -> np.ndarray:
    """Soft edge-preserving smoothing, a warm paper tint and gentle colour bleeding."""
    smooth = cv2.edgePreservingFilter(rgb, flags=cv2.RECURS_FILTER, sigma_s=40, sigma_r=0.35)
    paper = np.full_like(smooth, (250, 244, 230))
    tinted = cv2.addWeighted(smooth, 0.85, paper, 0.15, 0)
    bleed = cv2.GaussianBlur(tinted, (0, 0), 2.0)
    return cv2.addWeighted(tinted, 0.7, bleed, 0.3, 0)


def write_jpeg(path: Path, rgb: np.ndarray) -> None:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 88])
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")


def main() -> None:
    rgb = data.astronaut()
    write_jpeg(EXAMPLES / "luna" / "luna.jpg", watercolour(rgb))
    x0, y0, x1, y1 = HEAD_AND_SHOULDERS
    write_jpeg(EXAMPLES / "presenter" / "host.jpg", np.ascontiguousarray(rgb[y0:y1, x0:x1]))


if __name__ == "__main__":
    main()
