"""EBU R128 loudness in two passes: measure the mix, then apply a gain (and a true-peak limiter if needed).

Measuring uses ffmpeg's ebur128 filter (ITU-R BS.1770 integrated loudness and
4x-oversampled true peak). The loudnorm filter would do the same job but costs
about ten times more CPU (it resamples to 192 kHz), which alone would add ~20% to
a 720p render; see docs/composer.md. When the gain would push true peaks over the
ceiling a lookahead limiter holds them down, and the result is measured again and
the gain corrected until it lands within tolerance of the target.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: Loudness below this is silence (the EBU R128 absolute gate).
SILENCE_LUFS = -70.0
#: The limiter's aim; the hard requirement (MAX_TRUE_PEAK) leaves room for the encoder.
TRUE_PEAK_CEILING = -2.0
MAX_TRUE_PEAK = -1.5
#: How close to the target the applying pass must land before it stops correcting.
TOLERANCE_LU = 0.5
MEASURE = "ebur128=peak=true:framelog=verbose"
_SUMMARY = re.compile(
    r"Summary:.*?I:\s*(?P<i>-?[\d.]+|-inf|nan)\s*LUFS.*?Threshold:\s*(?P<thr>-?[\d.]+|-inf|nan)\s*LUFS"
    r".*?LRA:\s*(?P<lra>-?[\d.]+|-inf|nan)\s*LU.*?True peak:\s*Peak:\s*(?P<tp>-?[\d.]+|-inf|nan)\s*dBFS",
    re.S,
)


@dataclass(frozen=True)
class Loudness:
    integrated: float
    true_peak: float
    lra: float = 0.0
    threshold: float = SILENCE_LUFS

    @property
    def silent(self) -> bool:
        return not math.isfinite(self.integrated) or self.integrated <= SILENCE_LUFS

    def amplified(self, gain_db: float) -> Loudness:
        """The same sound after a plain gain: every level moves by the gain (LRA, a difference, does not)."""
        return Loudness(self.integrated + gain_db, self.true_peak + gain_db, self.lra, self.threshold + gain_db)

    def within(self, target: float) -> bool:
        return abs(self.integrated - target) <= TOLERANCE_LU and self.true_peak <= MAX_TRUE_PEAK


SILENT = Loudness(SILENCE_LUFS, SILENCE_LUFS)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        return -math.inf
    return value if math.isfinite(value) else -math.inf


def parse_summary(log: str) -> Loudness:
    """The last ebur128 summary in an ffmpeg log."""
    matches = list(_SUMMARY.finditer(log))
    if not matches:
        raise ValueError("ffmpeg printed no ebur128 summary")
    found = matches[-1]
    return Loudness(
        integrated=_number(found["i"]),
        true_peak=_number(found["tp"]),
        lra=max(0.0, _number(found["lra"])),
        threshold=_number(found["thr"]),
    )


@dataclass(frozen=True)
class Correction:
    """One applying pass: a gain, and a limiter ceiling when peaks would go over."""

    gain_db: float
    limit_db: float | None

    def filter(self) -> str:
        steps = [f"volume={self.gain_db:.3f}dB"]
        if self.limit_db is not None:
            limit = max(0.0625, 10 ** (self.limit_db / 20))
            steps.append(f"alimiter=limit={limit:.5f}:attack=5:release=80:level=disabled:latency=1")
        return ",".join(steps)


def first_correction(measured: Loudness, target: float) -> Correction:
    gain = target - measured.integrated
    linear = measured.true_peak + gain <= TRUE_PEAK_CEILING
    return Correction(gain, None if linear else TRUE_PEAK_CEILING)


def next_correction(previous: Correction, result: Loudness, target: float) -> Correction:
    """Correct the gain by the miss; lower the limiter if inter-sample peaks still went over."""
    gain = previous.gain_db + (target - result.integrated)
    limit = previous.limit_db
    if result.true_peak > MAX_TRUE_PEAK or limit is not None:
        base = limit if limit is not None else TRUE_PEAK_CEILING
        limit = base - max(0.0, result.true_peak - TRUE_PEAK_CEILING)
    return Correction(gain, limit)
