"""The Litestar application: routes, middlewares, errors and OpenAPI, around one Gateway context."""

from __future__ import annotations

from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State

from studio.gateway.auth.middleware import AuthMiddleware
from studio.gateway.auth.ratelimit import RateLimitMiddleware
from studio.gateway.context import Gateway
from studio.gateway.deps import DEPENDENCIES
from studio.gateway.domain.assets.controllers import AssetController, LimitsController
from studio.gateway.domain.audio.controllers import AudioController
from studio.gateway.domain.image.controllers import ImageController
from studio.gateway.domain.jobs.controllers import JobController, TenantEventsController
from studio.gateway.domain.keys.controllers import KeyController
from studio.gateway.domain.models.controllers import ModelController
from studio.gateway.domain.openai.controllers import OpenAIController
from studio.gateway.domain.openai.errors import PREFIX as OPENAI_PREFIX
from studio.gateway.domain.openai.errors import render_openai_error
from studio.gateway.domain.presets.controllers import PresetController
from studio.gateway.domain.providers.controllers import BudgetController, ProviderController
from studio.gateway.domain.studio.controllers import StudioController
from studio.gateway.domain.system.controllers import AuthController, SystemController
from studio.gateway.domain.video.controllers import VideoController
from studio.gateway.domain.webhooks.controllers import AccountController, WebhookController
from studio.gateway.http.idempotency import IdempotencyMiddleware
from studio.gateway.http.inputs import MAX_FORM_PARTS, InputTextMiddleware
from studio.gateway.http.limits import BodyPolicyMiddleware
from studio.gateway.http.observability import ObservabilityMiddleware
from studio.gateway.http.options import AllowHeaderMiddleware
from studio.gateway.http.webui import no_endpoint, web_app
from studio.gateway.openapi import SECURITY, complete_document, openapi_config
from studio.gateway.problems import exception_handlers
from studio.gateway.signed_links import SignedLinkController

VERSION = "0.1.0"


def _cors(gateway: Gateway | None) -> CORSConfig | None:
    origins = gateway.settings.cors_origins if gateway is not None else []
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_headers=[
            "Authorization",
            "X-API-Key",
            "Content-Type",
            "Idempotency-Key",
            "Prefer",
            "X-Request-Id",
            "Last-Event-ID",
        ],
        expose_headers=["Location", "Retry-After", "Preference-Applied", "X-Request-Id", "X-Studio-Job-Id"],
        allow_credentials=False,
    )


def create_app(gateway: Gateway | None) -> Litestar:
    """The app around `gateway` (None builds it only to read its OpenAPI document)."""
    api = Router(
        path="/",
        route_handlers=[
            AudioController,
            ImageController,
            VideoController,
            StudioController,
            JobController,
            TenantEventsController,
            AssetController,
            LimitsController,
            WebhookController,
            AccountController,
            KeyController,
            PresetController,
            AuthController,
            OpenAIController,
            ModelController,
            ProviderController,
            BudgetController,
        ],
        security=SECURITY,
    )
    app = Litestar(
        route_handlers=[SystemController, SignedLinkController, api, web_app, no_endpoint],
        dependencies=DEPENDENCIES,
        middleware=[
            ObservabilityMiddleware(),
            AllowHeaderMiddleware(),
            AuthMiddleware(),
            RateLimitMiddleware(),
            BodyPolicyMiddleware(),
            IdempotencyMiddleware(),
            InputTextMiddleware(),
        ],
        exception_handlers=exception_handlers({OPENAI_PREFIX: render_openai_error}),
        openapi_config=openapi_config(VERSION),
        state=State({"gateway": gateway}),
        cors_config=_cors(gateway),
        request_max_body_size=None,
        multipart_form_part_limit=MAX_FORM_PARTS,
        logging_config=None,
        debug=False,
    )
    complete_document(app.openapi_schema, app.routes)
    return app


def openapi_document() -> dict[str, object]:
    """The OpenAPI 3.1 document, without connecting to anything (schema exports, property tests)."""
    return create_app(None).openapi_schema.to_schema()
