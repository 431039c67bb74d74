"""What a film would cost before it is rendered, per step and in total.

Embedded: priced with this machine's configuration (the backends and prices the
services here would use). A gateway prices with its own deployment's once it
serves `POST /v1/studio/estimate` (docs/providers-gateway-needs.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from studio.pipeline.estimate import Estimate, StepCost, estimate_embedded
from studio.pipeline.screenplay import Screenplay, load_screenplay, with_backends

__all__ = ["Estimate", "StepCost", "estimate"]


def estimate(
    screenplay: Screenplay | Path | str | Mapping[str, Any], *, backends: Mapping[str, str] | None = None
) -> Estimate:
    """The estimate of a screenplay (object, file or data), with `backends` overriding its `backends:` block."""
    loaded = load_screenplay(screenplay if not isinstance(screenplay, str) else Path(screenplay))
    return estimate_embedded(with_backends(loaded, backends or {}))
