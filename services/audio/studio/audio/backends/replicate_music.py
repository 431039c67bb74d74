"""The `replicate` music backend: Meta's MusicGen (stereo-melody-large) on Replicate.

The track is fetched the moment the prediction succeeds, stored as delivered, then
decoded, resampled and cut (or looped) to exactly the length asked for. Its cost is
the GPU time Replicate reports for the prediction.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
from pathlib import Path

import numpy as np

from studio.audio import media
from studio.core.costs import priced
from studio.core.errors import InvalidInput, ProviderFailed
from studio.core.operations import OperationContext
from studio.core.providers.download import keep_result
from studio.core.providers.polling import Span
from studio.core.providers.replicate import REPLICATE, ModelRef, output_urls, record_predict_time, run_prediction
from studio.core.providers.settings import ProviderSettings
from studio.v1.common_pb2 import CostItem, ModelInfo

MODEL = "meta/musicgen"
#: https://replicate.com/meta/musicgen/versions/2b5dc5f29cee83fd5cdf8f9c92e555aae7ca2a69b73c5182f3065362b2fa0a45/api
VERSION = "2b5dc5f29cee83fd5cdf8f9c92e555aae7ca2a69b73c5182f3065362b2fa0a45"
CHECKPOINT = "stereo-melody-large"
#: Longest track one prediction is asked for; longer films loop it.
MAX_SECONDS = 120
#: Seconds of GPU time per second of music, and a fixed start-up, for the estimate.
SECONDS_PER_SECOND, STARTUP_SECONDS = 1.5, 10.0


def predict_estimate(seconds: float) -> float:
    return STARTUP_SECONDS + SECONDS_PER_SECOND * min(seconds, MAX_SECONDS)


def fit_length(track: np.ndarray, frames: int, rate: int) -> np.ndarray:
    """Exactly `frames` frames: cut, or looped with a short crossfade."""
    if len(track) >= frames:
        return track[:frames]
    fade = min(len(track) // 4, int(0.5 * rate))
    pieces = [track]
    length = len(track)
    while length < frames:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)[:, None]
        head = pieces[-1]
        head[len(head) - fade :] = head[len(head) - fade :] * (1 - ramp) + track[:fade] * ramp
        pieces.append(track[fade:].copy())
        length += len(track) - fade
    return np.concatenate(pieces)[:frames]


class ReplicateMusicBackend:
    name = "replicate"

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    def load(self) -> None:
        return None

    def models(self) -> list[ModelInfo]:
        return [
            ModelInfo(
                name=MODEL,
                backend=self.name,
                task="music",
                installed=bool(self.settings.key(REPLICATE)),
                description=f"MusicGen {CHECKPOINT} on Replicate (hosted), billed by GPU time",
            )
        ]

    def estimate(self, seconds: float) -> list[CostItem]:
        return [priced(f"replicate:{MODEL}", predict_estimate(math.ceil(seconds)), "estimate", self.settings)]

    async def compose(
        self, description: str, seconds: float, sample_rate: int, seed: int | None, ctx: OperationContext
    ) -> np.ndarray:
        ask = min(MAX_SECONDS, math.ceil(seconds))
        inputs = {
            "prompt": description,
            "model_version": CHECKPOINT,
            "duration": ask,
            "output_format": "wav",
            "normalization_strategy": "loudness",
            "seed": -1 if seed is None else int(seed % 2**31),
        }
        prediction = await run_prediction(
            ModelRef(MODEL, VERSION), inputs, ctx, self.settings, Span(0.05, 0.8, predict_estimate(ask))
        )
        urls = output_urls(prediction)
        if not urls:
            raise ProviderFailed("Replicate returned no audio for meta/musicgen")
        with tempfile.TemporaryDirectory(prefix="studio-musicgen-") as tmp:
            _, path = await keep_result(REPLICATE, urls[0], ctx, "music.wav", self.settings, Path(tmp))
            try:
                track = await asyncio.to_thread(media.decode, path, sample_rate, channels=2)
            except InvalidInput as error:
                raise ProviderFailed(f"Replicate returned audio that cannot be decoded ({error.message})") from None
        if len(track) == 0:
            raise ProviderFailed("Replicate returned an empty track")
        record_predict_time(prediction, f"replicate:{MODEL}", predict_estimate(ask), ctx, self.settings)
        return fit_length(track.astype(np.float32), round(seconds * sample_rate), sample_rate)
