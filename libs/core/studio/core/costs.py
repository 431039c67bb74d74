"""What work costs: dated unit prices, and the lines a job's cost is made of.

Every backend prices its work from this one table: hosted providers by their
unit prices (checked on `as_of`, overridable with STUDIO_PRICES because prices
change), local GPU backends by GPU-seconds x STUDIO_GPU_USD_PER_HOUR, and CPU
lite backends at nothing. A job's cost is the provider's reported usage where
it reports one (Kling's units, Replicate's predict time), else the estimate.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from studio.core.settings import StudioSettings
from studio.v1.common_pb2 import Cost, CostItem

Basis = Literal["provider", "estimate", "gpu-time", "free"]
Confidence = Literal["official", "third-party", "unconfirmed"]


@dataclass(frozen=True)
class Price:
    #: "<provider>:<model>", the STUDIO_PRICES key.
    key: str
    unit: str
    usd: float
    #: When the price was last checked.
    as_of: str
    confidence: Confidence
    source: str

    @property
    def provider(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def model(self) -> str:
        return self.key.split(":", 1)[1]


_AS_OF = "2026-12"
PRICES: dict[str, Price] = {
    price.key: price
    for price in (
        Price("fal:fal-ai/flux/schnell", "megapixel", 0.003, _AS_OF, "official",
              "https://fal.ai/models/fal-ai/flux-1/schnell/llms.txt"),
        Price("fal:fal-ai/flux/dev", "megapixel", 0.025, _AS_OF, "official",
              "https://fal.ai/models/fal-ai/flux-1/dev/llms.txt"),
        Price("fal:fal-ai/flux-pro/kontext", "image", 0.04, _AS_OF, "third-party",
              "https://oauth.openai-hk.com/docs/en/lab/fal-ai.html"),
        Price("replicate:black-forest-labs/flux-schnell", "image", 0.003, _AS_OF, "third-party",
              "https://www.workflowlab.dev/cost/flux-schnell-replicate"),
        Price("replicate:black-forest-labs/flux-dev", "image", 0.025, _AS_OF, "third-party",
              "https://oauth.openai-hk.com/docs/en/lab/replicate.html"),
        # Community models bill the GPU's time: Real-ESRGAN runs on a T4, MusicGen on an A100 (80 GB).
        Price("replicate:nightmareai/real-esrgan", "predict-second", 0.000225, _AS_OF, "unconfirmed",
              "https://replicate.com/pricing (T4 rate; the model's hardware is not confirmed)"),
        Price("replicate:meta/musicgen", "predict-second", 0.0014, _AS_OF, "unconfirmed",
              "https://replicate.com/pricing (A100 80GB rate; the model's hardware is not confirmed)"),
        Price("elevenlabs:eleven_multilingual_v2", "1k-characters", 0.10, _AS_OF, "third-party",
              "https://developer.puter.com/tutorials/elevenlabs-api-pricing/"),
        # Kling sells prepaid units; the units a clip takes come from the task's final_unit_deduction.
        Price("kling:unit", "unit", 0.14, _AS_OF, "third-party",
              "https://www.atlascloud.ai/zh/blog/guides/kling-ai-api-pricing (standard pack, $700 / 5000 units)"),
        Price("runway:gen4_turbo", "second", 0.05, _AS_OF, "third-party",
              "https://help.runwayml.com/hc/en-us/articles/15124877443219 (5 credits/s at $0.01)"),
        Price("runway:credit", "credit", 0.01, _AS_OF, "third-party",
              "https://docs.dev.runwayml.com/guides/pricing/ (API credits are $0.01)"),
        Price("luma:ray-2", "second", 0.08, _AS_OF, "unconfirmed",
              "https://plans.apis.io/plans/luma-ai/luma-ai-plans-pricing/"),
        Price("minimax:MiniMax-Hailuo-02/768P/6s", "clip", 0.28, _AS_OF, "unconfirmed",
              "https://platform.minimax.io/docs/guides/pricing-video (not re-read)"),
        Price("minimax:MiniMax-Hailuo-02/768P/10s", "clip", 0.56, _AS_OF, "unconfirmed",
              "https://platform.minimax.io/docs/guides/pricing-video (not re-read)"),
    )
}  # fmt: skip


def unit_price(key: str, settings: StudioSettings) -> tuple[float, str]:
    """The unit price of `key` in dollars (STUDIO_PRICES wins) and the date it was checked ("" if overridden)."""
    if key in settings.prices:
        return float(settings.prices[key]), "override"
    price = PRICES.get(key)
    if price is None:
        raise KeyError(f"no price for {key!r}; set it in STUDIO_PRICES")
    return price.usd, price.as_of


def priced(key: str, quantity: float, basis: Basis, settings: StudioSettings) -> CostItem:
    """A cost line: `quantity` units of `key` at its unit price."""
    usd, as_of = unit_price(key, settings)
    provider, model = key.split(":", 1)
    unit = PRICES[key].unit if key in PRICES else "unit"
    return CostItem(
        provider=provider,
        model=model,
        unit=unit,
        quantity=quantity,
        unit_usd=usd,
        usd=round(usd * quantity, 6),
        basis=basis,
        price_date=as_of,
    )


def gpu_time(model: str, seconds: float, settings: StudioSettings) -> CostItem:
    rate = settings.gpu_usd_per_hour / 3600
    return CostItem(
        provider="local",
        model=model,
        unit="gpu-second",
        quantity=round(seconds, 3),
        unit_usd=rate,
        usd=round(rate * seconds, 6),
        basis="gpu-time",
    )


def estimated_gpu(model: str, seconds: float, settings: StudioSettings) -> CostItem:
    """An estimate of local GPU time (the actual cost is measured while the job runs)."""
    item = gpu_time(model, seconds, settings)
    item.basis = "estimate"
    return item


def total(items: list[CostItem]) -> Cost:
    """The cost made of `items`: its basis is the weakest of theirs (any estimate makes it an estimate)."""
    if not items:
        return Cost(usd=0.0, basis="free")
    bases = {item.basis for item in items}
    basis = next(b for b in ("estimate", "provider", "gpu-time", "free") if b in bases)
    return Cost(usd=round(sum(item.usd for item in items), 6), basis=basis, items=items)


@dataclass
class CostMeter:
    """The cost lines one run adds up; the operation's result carries their total."""

    items: list[CostItem] = field(default_factory=list)

    def add(self, item: CostItem) -> None:
        self.items.append(item)

    def cost(self) -> Cost:
        return total(list(self.items))

    @contextlib.contextmanager
    def gpu(self, model: str, device: str, settings: StudioSettings) -> Iterator[None]:
        """Meter the block as GPU time of `model` (nothing on a CPU: lite work is free)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            if device not in ("cpu", ""):
                self.add(gpu_time(model, time.perf_counter() - started, settings))
