"""What clients see of a project: the same object in GET /api/v1/studio/projects/{id} and in
project.* webhook events (so it lives below the domains that show it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class ProjectLinks(msgspec.Struct):
    self_: str = msgspec.field(name="self")
    jobs: str
    assets: str


class ProjectCost(msgspec.Struct):
    """What a project's jobs cost: the sum of the finished ones, and of the estimates at submission."""

    usd: float
    estimated_usd: float
    #: usd by provider ("local" for GPU time on this deployment), e.g. {"fal": 0.018, "kling": 0.7}.
    by_provider: dict[str, float]


def no_cost() -> ProjectCost:
    return ProjectCost(usd=0.0, estimated_usd=0.0, by_provider={})


class Project(msgspec.Struct):
    id: str
    name: str
    type: str
    #: draft, running, completed, failed
    status: str
    error: str | None
    steps_total: int
    steps_completed: int
    #: The composed film (ComposeResult) of the last successful production.
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    links: ProjectLinks
    #: The version whose film `result` is (0: none yet); see GET .../versions.
    version: int = 0
    cost: ProjectCost = msgspec.field(default_factory=no_cost)
