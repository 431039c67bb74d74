"""Dependencies every controller uses: the gateway context and the calling tenant."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request
from litestar.di import Provide

from studio.gateway.auth.identity import Caller
from studio.gateway.context import Gateway
from studio.gateway.errors import Unauthorized
from studio.gateway.http.scope import caller_of, owner_of


def provide_gateway(request: Request[Any, Any, Any]) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def provide_owner(request: Request[Any, Any, Any]) -> uuid.UUID:
    owner = owner_of(request.scope)
    if owner is None:  # only reachable on a route wrongly marked public
        raise Unauthorized("authentication required")
    return owner


def provide_caller(request: Request[Any, Any, Any]) -> Caller:
    """The tenant, the key in use and the kind of credential (routes that care which key calls)."""
    caller = caller_of(request.scope)
    if caller is None:  # only reachable on a route wrongly marked public
        raise Unauthorized("authentication required")
    return caller


DEPENDENCIES = {
    "gateway": Provide(provide_gateway, sync_to_thread=False),
    "owner": Provide(provide_owner, sync_to_thread=False),
    "caller": Provide(provide_caller, sync_to_thread=False),
}
