"""Typed access to what the middlewares put into the ASGI scope."""

from __future__ import annotations

import uuid
from typing import Any

from studio.gateway.auth.identity import Caller
from studio.gateway.context import Gateway


def gateway_of(scope: Any) -> Gateway:
    gateway: Gateway = scope["litestar_app"].state.gateway
    return gateway


def scope_state(scope: Any) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def owner_of(scope: Any) -> uuid.UUID | None:
    owner = scope_state(scope).get("owner_id")
    return owner if isinstance(owner, uuid.UUID) else None


def caller_of(scope: Any) -> Caller | None:
    caller = scope_state(scope).get("caller")
    return caller if isinstance(caller, Caller) else None


def operation_id_of(scope: Any) -> str:
    handler = scope.get("route_handler")
    op = getattr(handler, "operation_id", None)
    return op if isinstance(op, str) else scope.get("path_template", scope.get("path", ""))


def header(scope: Any, name: str) -> str | None:
    wanted = name.lower().encode()
    for key, value in scope.get("headers", ()):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None
