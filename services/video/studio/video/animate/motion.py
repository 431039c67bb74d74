"""Motion prompts ("slow zoom in", "pan left with parallax", "aproximar devagar") to camera moves.

English and Portuguese words are recognised; anything else falls back to a
gentle zoom in, and the chosen move is described back to the caller.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Phrase patterns (accent-free, lower case) for each cue.
_CUES: dict[str, tuple[str, ...]] = {
    "zoom_out": (
        r"zoom(ing)?[ -]?out",
        r"pull(ing)? (back|out)",
        r"dolly[ -]?out",
        r"\bafast",
        r"\breveal",
        r"\bwiden",
    ),
    "zoom_in": (
        r"zoom(ing)?([ -]?in)?\b",
        r"push(ing)?[ -]?in",
        r"dolly[ -]?in",
        r"\bcloser\b",
        r"\baproxim",
        r"\bmove in",
    ),
    "left": (r"\bleft\b", r"\besquerda\b"),
    "right": (r"\bright\b", r"\bdireita\b"),
    "up": (r"\bup(ward)?s?\b", r"\btilt up\b", r"\b(para )?cima\b", r"\bsob(e|ir)\b", r"\brise\b"),
    "down": (r"\bdown(ward)?s?\b", r"\b(para )?baixo\b", r"\bdesc(e|er)\b"),
    "parallax": (r"\bparall?ax\b", r"\bparalax", r"\bdepth\b", r"\bprofundidade\b", r"\b3d\b", r"\bdolly\b"),
    "static": (r"\bstatic\b", r"\bstill\b", r"\bestatic", r"\bparad[oa]\b", r"\bfixed\b"),
    "very_slow": (r"\bvery slow", r"\bmuito (lent|devagar)", r"\bbarely\b"),
    "slow": (r"\bslow", r"\bgentl", r"\bsubtl", r"\blent[oa]\b", r"\bdevagar\b", r"\bsuave", r"\bcalm"),
    "fast": (r"\bfast\b", r"\bquick", r"\brapid", r"\brapid[oa]\b", r"\bdramatic"),
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def cues(prompt: str) -> set[str]:
    text = _plain(prompt)
    found = {name for name, patterns in _CUES.items() if any(re.search(p, text) for p in patterns)}
    if "zoom_out" in found:
        found.discard("zoom_in")
    if "very_slow" in found:
        found.discard("slow")
    return found


@dataclass(frozen=True)
class CameraMove:
    """Start and end of an eased camera move over a still.

    Zoom is relative to the framed image (1 = the output exactly covered);
    pan is the crop centre's offset as a fraction of the output size
    (+x right, +y down); parallax is how far near parts move beyond far ones.
    """

    zoom: tuple[float, float] = (1.0, 1.0)
    pan_x: tuple[float, float] = (0.0, 0.0)
    pan_y: tuple[float, float] = (0.0, 0.0)
    parallax: float = 0.0
    description: str = ""


def plan(prompt: str) -> CameraMove:
    found = cues(prompt)
    speed = 0.35 if "very_slow" in found else 0.6 if "slow" in found else 1.6 if "fast" in found else 1.0
    words: list[str] = []
    if "static" in found and not found & {"zoom_in", "zoom_out", "left", "right", "up", "down"}:
        return CameraMove(zoom=(1.0, 1.03), description="static (breathing zoom 1.03x)")
    horizontal = (1 if "right" in found else 0) - (1 if "left" in found else 0)
    vertical = (1 if "down" in found else 0) - (1 if "up" in found else 0)
    if not found & {"zoom_in", "zoom_out", "left", "right", "up", "down", "parallax"}:
        found.add("zoom_in")  # nothing recognised: the classic gentle push-in
    amount = 0.22 * speed
    travel = 0.08 * speed if horizontal or vertical else 0.0
    # Panning needs room beyond the frame on each side: scale the whole move up by that much.
    room = 1.0 + 2.0 * travel
    if "zoom_out" in found:
        zoom = ((1.0 + amount) * room, room)
        words.append(f"zoom out {zoom[0]:.2f}x->{zoom[1]:.2f}x")
    elif "zoom_in" in found:
        zoom = (room, (1.0 + amount) * room)
        words.append(f"zoom in {zoom[0]:.2f}x->{zoom[1]:.2f}x")
    else:
        zoom = (room, room)
    # "pan left": the camera moves left, so the view's centre goes from right to left.
    pan_x = (-horizontal * travel, horizontal * travel) if horizontal else (0.0, 0.0)
    pan_y = (-vertical * travel, vertical * travel) if vertical else (0.0, 0.0)
    if horizontal:
        words.append(f"pan {'right' if horizontal > 0 else 'left'} {200 * travel:.0f}%")
    if vertical:
        words.append(f"tilt {'down' if vertical > 0 else 'up'} {200 * travel:.0f}%")
    parallax = 0.035 * speed if "parallax" in found else 0.012 * speed
    if "parallax" in found:
        words.append("parallax")
    words.append("eased")
    return CameraMove(zoom=zoom, pan_x=pan_x, pan_y=pan_y, parallax=parallax, description=", ".join(words))
