"""Running one Replicate prediction (images and music both use it): create, poll, cancel, classify.

The official `replicate` client speaks the API through the studio's provider
transport. Replicate reports errors as RFC 7807 problem+json
(`{type, title, status, detail}`) and a failed prediction's reason in `error`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import replicate
from replicate.prediction import Prediction

from studio.core.costs import priced
from studio.core.operations import OperationContext
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.polling import Span, Status, wait_for
from studio.core.providers.secrets import resolve_key
from studio.core.providers.settings import ProviderSettings
from studio.core.providers.transport import (
    Answer,
    Failure,
    Kind,
    api_transport,
    error_for,
    http_convention,
    provider_errors,
)

REPLICATE = PROVIDERS["replicate"]
#: Words Replicate's models use when their safety checker refuses.
_POLICY_WORDS = ("nsfw", "safety", "sensitive", "flagged", "content policy")


def replicate_convention(answer: Answer) -> Failure | None:
    """problem+json: `detail` says what; 402 means the account has no credit."""
    failure = http_convention(answer)
    if failure is None:
        return None
    if answer.status == 422 and any(word in failure.detail.lower() for word in _POLICY_WORDS):
        return Failure(Kind.POLICY, failure.detail, failure.code)
    return failure


@dataclass(frozen=True)
class ModelRef:
    """An official model ("owner/name") or a community model pinned to a version."""

    name: str
    version: str = ""


def _failed(prediction: Prediction) -> Status:
    reason = str(prediction.error or "the prediction failed")
    kind = Kind.POLICY if any(word in reason.lower() for word in _POLICY_WORDS) else Kind.FAILED
    return Status("failed", failure=error_for(REPLICATE, Failure(kind, reason, "failed")))


async def run_prediction(
    model: ModelRef, inputs: dict[str, Any], ctx: OperationContext, settings: ProviderSettings, span: Span
) -> Prediction:
    """Create a prediction and wait for it; return it succeeded (with `output` and `metrics`)."""
    key = resolve_key(
        REPLICATE.name, REPLICATE.title, settings.key(REPLICATE), ctx.credentials, REPLICATE.key_variables()
    )
    base = settings.api_url(REPLICATE)
    transport = api_transport(REPLICATE, settings, replicate_convention)
    client = replicate.Client(
        api_token=key, base_url=base, transport=transport, timeout=httpx.Timeout(settings.provider_request_timeout)
    )
    try:
        async with provider_errors(REPLICATE):
            return await _predict(client, model, inputs, ctx, settings, span)
    finally:
        await client._async_client.aclose()


async def _predict(
    client: replicate.Client, model: ModelRef, inputs: dict[str, Any], ctx: OperationContext,
    settings: ProviderSettings, span: Span,
) -> Prediction:  # fmt: skip
    if model.version:
        prediction = await client.predictions.async_create(version=model.version, input=inputs)
    else:
        prediction = await client.predictions.async_create(model=model.name, input=inputs)
    current = prediction

    async def poll() -> Status:
        nonlocal current
        current = await client.predictions.async_get(prediction.id)
        if current.status == "starting":
            return Status("queued")
        if current.status == "processing":
            return Status("running")
        if current.status == "succeeded":
            return Status("done")
        if current.status == "canceled":
            return Status("cancelled")
        return _failed(current)

    async def cancel() -> None:
        await client.predictions.async_cancel(prediction.id)

    await wait_for(REPLICATE, poll, ctx, settings, cancel=cancel, span=span)
    return current


def output_urls(prediction: Prediction) -> list[str]:
    """A prediction's output as URLs (models return one URI or a list of them)."""
    output = prediction.output
    items = output if isinstance(output, list) else [output]
    return [str(item) for item in items if isinstance(item, str) and item]


def predict_seconds(prediction: Prediction) -> float | None:
    metrics = prediction.metrics or {}
    value = metrics.get("predict_time")
    return float(value) if isinstance(value, int | float) else None


def record_predict_time(
    prediction: Prediction, price_key: str, estimate_seconds: float, ctx: OperationContext, settings: ProviderSettings
) -> None:
    """Bill GPU time as Replicate reported it (`metrics.predict_time`), else as estimated."""
    seconds = predict_seconds(prediction)
    if seconds is not None:
        ctx.costs.add(priced(price_key, seconds, "provider", settings))
    else:
        ctx.costs.add(priced(price_key, estimate_seconds, "estimate", settings))
