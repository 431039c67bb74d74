"""/healthz, /readyz, /metrics (public) and the web UI token exchange (authenticated)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from studio.gateway.auth.tokens import issue_token
from studio.gateway.background.queue_depth import refresh_queue_depth
from studio.gateway.context import Gateway
from studio.gateway.domain.system.services import readiness
from studio.gateway.errors import Unauthorized
from studio.gateway.http.scope import scope_state

PUBLIC = {"public": True}


class Health(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct):
    status: str
    checks: dict[str, dict[str, Any]]


class Token(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


class SystemController(Controller):
    tags = ("system",)

    @get("/healthz", operation_id="healthz", summary="The process is alive", opt=PUBLIC)
    async def healthz(self) -> Health:
        return Health(status="ok")

    @get(
        "/readyz",
        operation_id="readyz",
        summary="Postgres, NATS, the artifact store and every model server are usable",
        opt=PUBLIC,
        responses={
            503: ResponseSpec(Readiness, description="Not ready: `checks` says what is down", generate_examples=False)
        },
    )
    async def readyz(self, gateway: Gateway) -> Response[Readiness]:
        ready, checks = await readiness(gateway)
        return Response(
            Readiness(status="ready" if ready else "not ready", checks=checks), status_code=200 if ready else 503
        )

    @get("/metrics", operation_id="metrics", summary="Prometheus metrics", opt=PUBLIC, media_type=CONTENT_TYPE_LATEST)
    async def metrics(self, gateway: Gateway) -> Response[bytes]:
        await refresh_queue_depth(gateway, jetstream=True)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ("auth",)

    @post(
        "/token",
        operation_id="create_token",
        summary="Exchange an API key for a short-lived web UI token",
        status_code=200,
    )
    async def token(self, request: Request[Any, Any, Any], gateway: Gateway, owner: uuid.UUID) -> Token:
        if scope_state(request.scope).get("credential") != "api_key":
            raise Unauthorized("tokens are issued for API keys only; authenticate this request with your API key")
        ttl = gateway.settings.jwt_ttl_seconds
        return Token(access_token=issue_token(gateway.jwt_secret, owner, ttl), token_type="bearer", expires_in=ttl)
