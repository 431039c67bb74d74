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
from studio.sdk.costs import estimate_from_json
from studio.sdk.sync import StudioClient

__all__ = ["Estimate", "StepCost", "estimate", "estimate_from_json"]


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
    with StudioClient(server, key) as client:
        return client.estimate(chosen.to_data())
