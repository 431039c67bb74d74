"""Estimates as the gateway answers them (POST /api/v1/studio/estimate), read into the pipeline's `Estimate`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.pipeline.estimate import Estimate, StepCost
from studio.v1.common_pb2 import Cost, CostItem

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
