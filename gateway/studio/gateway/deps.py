"""Dependencies every controller uses: the gateway context and the calling tenant."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.di import Provide

from studio.gateway.context import Gateway
from studio.gateway.errors import Unauthorized
from studio.gateway.http.scope import owner_of


def provide_gateway(request: Request[Any, Any, Any]) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def provide_owner(request: Request[Any, Any, Any]) -> uuid.UUID:
    owner = owner_of(request.scope)
    if owner is None:  # only reachable on a route wrongly marked public
        raise Unauthorized("authentication required")
    return owner


DEPENDENCIES = {
    "gateway": Provide(provide_gateway, sync_to_thread=False),
    "owner": Provide(provide_owner, sync_to_thread=False),
}
