"""EBU R128 loudness in two passes with ffmpeg's loudnorm: measure the mix, then apply.

With the first pass's measurements loudnorm can apply one linear gain (exact, no
compression) whenever the gain keeps true peaks under the ceiling; otherwise it
falls back to its dynamic mode, whose true-peak limiter prevents clipping.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

#: Loudness below this is silence (the EBU R128 absolute gate).
SILENCE_LUFS = -70.0
_JSON = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)


@dataclass(frozen=True)
class Loudness:
    integrated: float
    true_peak: float
    lra: float
    threshold: float
    offset: float = 0.0
    #: "linear" or "dynamic", as reported by the applying pass.
    mode: str = ""

    @property
    def silent(self) -> bool:
        return not math.isfinite(self.integrated) or self.integrated <= SILENCE_LUFS


def _number(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        return -math.inf


def parse_report(log: str, *, output: bool = False) -> Loudness:
    """loudnorm's JSON report from an ffmpeg log: input figures, or output ones when `output`."""
    matches = _JSON.findall(log)
    if not matches:
        raise ValueError("ffmpeg printed no loudnorm report")
    data = json.loads(matches[-1])
    side = "output" if output else "input"
    mode = str(data.get("normalization_type", "")).lower()
    return Loudness(
        integrated=_number(data[f"{side}_i"]),
        true_peak=_number(data[f"{side}_tp"]),
        lra=_number(data[f"{side}_lra"]),
        threshold=_number(data[f"{side}_thresh"]),
        offset=_number(data.get("target_offset", 0.0)),
        mode=mode,
    )


def measure_filter(target: float, true_peak: float) -> str:
    return f"loudnorm=I={target:g}:TP={true_peak:g}:LRA=11:print_format=json"


def apply_filter(measured: Loudness, target: float, true_peak: float) -> str:
    """The second pass; the LRA target is widened to the measured range so it never forces dynamic mode."""
    lra = min(50.0, max(11.0, math.ceil(measured.lra + 1)))
    return (
        f"loudnorm=I={target:g}:TP={true_peak:g}:LRA={lra:g}"
        f":measured_I={measured.integrated:.2f}:measured_TP={measured.true_peak:.2f}"
        f":measured_LRA={measured.lra:.2f}:measured_thresh={measured.threshold:.2f}"
        f":offset={measured.offset:.2f}:linear=true:print_format=json"
    )
