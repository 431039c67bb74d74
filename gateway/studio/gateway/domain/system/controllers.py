"""/healthz, /readyz, /metrics (public) and the web UI token exchange (authenticated)."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from studio.core.errors import NotFound
from studio.gateway.auth.identity import Caller
from studio.gateway.auth.tokens import issue_token
from studio.gateway.background.queue_depth import refresh_queue_depth
from studio.gateway.context import Gateway
from studio.gateway.domain.system.services import providers_report, readiness
from studio.gateway.errors import Unauthorized

PUBLIC = {"public": True}


class Health(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct):
    status: str
    checks: dict[str, dict[str, Any]]
    #: Each hosted provider: whether the deployment has a key, and whether its API answers (null: not probed,
    #: no key). Reported only: a provider down never makes the gateway unready.
    providers: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)


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
        (ready, checks), providers = await asyncio.gather(readiness(gateway), providers_report(gateway))
        return Response(
            Readiness(status="ready" if ready else "not ready", checks=checks, providers=providers),
            status_code=200 if ready else 503,
        )

    @get("/metrics", operation_id="metrics", summary="Prometheus metrics", opt=PUBLIC, media_type=CONTENT_TYPE_LATEST)
    async def metrics(self, gateway: Gateway) -> Response[bytes]:
        if gateway.settings.gateway_metrics_port:
            raise NotFound("/metrics is not served on this port (it has one of its own: STUDIO_GATEWAY_METRICS_PORT)")
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
    async def token(self, gateway: Gateway, caller: Caller) -> Token:
        if caller.credential != "api_key":
            raise Unauthorized(
                "tokens are issued for API keys only; authenticate this request with your API key", "invalid"
            )
        ttl = gateway.settings.jwt_ttl_seconds
        return Token(
            access_token=issue_token(gateway.jwt_secret, caller.key_id, ttl), token_type="bearer", expires_in=ttl
        )
