"""What a film would cost before it is rendered, per step and in total.

Embedded: priced with this machine's configuration (the backends and prices the
services here would use). With a server: priced by that studio's model servers,
with its deployment's backends and prices (`POST /api/v1/studio/estimate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from studio.pipeline.estimate import Estimate, StepCost, estimate_embedded
from studio.pipeline.screenplay import Screenplay, load_screenplay, with_backends
from studio.v1.common_pb2 import Cost, CostItem

__all__ = ["Estimate", "StepCost", "estimate", "estimate_from_json"]

_ITEM_FIELDS = ("provider", "model", "unit", "quantity", "unit_usd", "usd", "basis", "price_date")


def _cost(data: Mapping[str, Any]) -> Cost:
    items = [CostItem(**{name: item[name] for name in _ITEM_FIELDS if name in item}) for item in data.get("items", [])]
    return Cost(usd=float(data.get("usd", 0.0)), basis=str(data.get("basis", "")), items=items)


def estimate_from_json(data: Mapping[str, Any]) -> Estimate:
    """The answer of POST /api/v1/studio/estimate as the `Estimate` an embedded estimate gives."""
    steps = tuple(
        StepCost(step["id"], step.get("name", ""), step["label"], step["service"], step["rpc"], step["backend"],
                 _cost(step["cost"]))
        for step in data["steps"]
    )  # fmt: skip
    items = [item for step in steps for item in step.cost.items]
    return Estimate(steps, Cost(usd=float(data["total"]), basis=str(data.get("basis", "")), items=items))


def estimate(
    screenplay: Screenplay | Path | str | Mapping[str, Any],
    *,
    backends: Mapping[str, str] | None = None,
    server: str = "",
    key: str = "",
) -> Estimate:
    """The estimate of a screenplay (object, file or data), with `backends` overriding its `backends:` block.

    With `server` (and its API `key`) the studio there prices it, with its own backends and prices;
    the screenplay's files are neither uploaded nor read (they stand in).
    """
    loaded = load_screenplay(screenplay if not isinstance(screenplay, str) else Path(screenplay))
    chosen = with_backends(loaded, backends or {})
    if not server:
        return estimate_embedded(chosen)
    from studio.sdk.sync import StudioClient

    with StudioClient(server, key) as client:
        return client.estimate(chosen.to_data())
