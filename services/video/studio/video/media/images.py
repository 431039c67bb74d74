"""Decoding user images safely: an allow-list of formats and a pixel-count cap."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from studio.core.errors import InvalidInput

#: Formats Pillow may use to read a user's image (no PSD/EPS/… parsers exposed to uploads).
FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")
MIN_SIDE = 32


def load_rgb(path: Path, *, field: str, max_pixels: int) -> np.ndarray:
    """The image at `path` as an RGB uint8 array (EXIF orientation applied); InvalidInput if unusable."""
    accepted = "PNG, JPEG, WebP, BMP, TIFF or GIF"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise InvalidInput(
                        f"{field}: image is {width}x{height} ({width * height} pixels); at most {max_pixels} accepted"
                    )
                image.load()
                rgb = ImageOps.exif_transpose(image).convert("RGB")
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise InvalidInput(f"{field}: not a decodable image (accepted: {accepted})") from None
    if min(rgb.size) < MIN_SIDE:
        raise InvalidInput(f"{field}: image is {rgb.size[0]}x{rgb.size[1]}; each side must be at least {MIN_SIDE} px")
    return np.asarray(rgb, dtype=np.uint8).copy()
