"""Picture sizes as users write them ("1280x720", "720p", "9:16"), and the frame-size rule every
video follows (even sides within 128..3840): shared so the CLI checks early what the video service
enforces, without importing the service."""

from __future__ import annotations

from studio.core.errors import InvalidInput

DEFAULT_SIZE = (512, 512)
MIN_SIDE, MAX_SIDE = 128, 3840
#: Named sizes accepted besides WIDTHxHEIGHT.
PRESETS = {"square": (512, 512), "512": (512, 512), "720p": (1280, 720), "1080p": (1920, 1080), "9:16": (720, 1280)}


def dimensions(text: str, field: str = "size") -> tuple[int, int]:
    """'768x432', '720p', '9:16' -> (width, height); what sizes the target accepts it checks itself."""
    key = text.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    parts = key.replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise InvalidInput(
            f"{field} {text!r}: use WIDTHxHEIGHT (e.g. 512x512, 1280x720, 720x1280) or one of {', '.join(PRESETS)}"
        )
    return int(parts[0]), int(parts[1])


def output_size(width: int, height: int, *, field: str = "width/height") -> tuple[int, int]:
    """Validate a requested video size (0x0 = 512x512): even sides (H.264 4:2:0) within 128..3840."""
    if width == 0 and height == 0:
        return DEFAULT_SIZE
    if width <= 0 or height <= 0:
        raise InvalidInput(f"{field}: give both width and height (got {width}x{height}), or neither for 512x512")
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise InvalidInput(f"{field}: {width}x{height} is out of range; each side must be {MIN_SIDE}..{MAX_SIDE} px")
    if width % 2 or height % 2:
        raise InvalidInput(f"{field}: {width}x{height} has an odd side; H.264 4:2:0 needs even width and height")
    return width, height


def parse_size(text: str) -> tuple[int, int]:
    """A video frame size as a user writes it, checked against the video rule."""
    return output_size(*dimensions(text), field="size")
