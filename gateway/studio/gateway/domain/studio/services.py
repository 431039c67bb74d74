"""Projects: what a production request asks for (screenplay, briefing or template), and starting it."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.domain.studio.schemas import (
    BriefingRequest,
    GenerateContentRequest,
    NewProductionRequest,
    ProductionContent,
)
from studio.gateway.domain.studio.templates import project_template, templates_dir
from studio.gateway.http.targets import check_target
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.production.resolver import resolve_for_owner
from studio.pipeline.director import Briefing
from studio.pipeline.director.briefing import DEFAULT_STYLE
from studio.pipeline.screenplay import load_screenplay, parse_screenplay_text

SOURCES = ("screenplay", "screenplay_yaml", "briefing", "template_id")
#: The film length the director aims at when the briefing names none.
DEFAULT_DURATION = 30.0


@dataclass(frozen=True)
class Content:
    """A production's content, checked: a screenplay to produce, or a briefing the director writes one from."""

    screenplay: dict[str, Any] | None = None
    briefing: dict[str, Any] | None = None


def _briefing(request: BriefingRequest, defaults: Briefing | None = None) -> dict[str, Any]:
    """The briefing as the director takes it (its own checks: empty text, length, duration), as plain data."""
    briefing = Briefing(
        text=request.text or "",
        duration=request.duration or (defaults.duration if defaults else DEFAULT_DURATION),
        style=request.style or (defaults.style if defaults else DEFAULT_STYLE),
        language=request.language or (defaults.language if defaults else ""),
    )
    return asdict(briefing)


def _from_template(directory_setting: str, template_id: str, request: BriefingRequest | None) -> Content:
    """The template's screenplay as written; with `briefing.text`, a briefing in the template's manner."""
    template = project_template(templates_dir(directory_setting), template_id)
    screenplay: dict[str, Any] = template.values["screenplay"]
    if request is None or request == BriefingRequest():
        return Content(screenplay=screenplay)
    if not request.text:
        raise InvalidInput(
            f"briefing: give `text` (your story) to change template {template_id!r}; without it the template's "
            "own screenplay is produced as written, and duration, style and language do not apply"
        )
    written = load_screenplay(screenplay)
    manner = Briefing(
        text=request.text,
        duration=min(600.0, max(5.0, written.planned_duration())),
        style=written.style or DEFAULT_STYLE,
        language=template.language or written.language or "",
    )
    return Content(briefing=_briefing(request, manner))


def production_content(gateway: Gateway, data: ProductionContent) -> Content:
    """Exactly one source (a template may come with a briefing), checked as far as it can be before producing."""
    given = [name for name in SOURCES if getattr(data, name) is not None]
    if given == ["briefing", "template_id"]:
        given = ["template_id"]
    if len(given) != 1:
        raise InvalidInput(
            f"give exactly one of screenplay (JSON), screenplay_yaml (text), briefing or template_id (optionally "
            f"with a briefing); got {', '.join(given) or 'none'}"
        )
    if data.template_id is not None:
        return _from_template(gateway.settings.templates_dir, data.template_id, data.briefing)
    if data.briefing is not None:
        return Content(briefing=_briefing(data.briefing))
    if data.screenplay is not None:
        return Content(screenplay=data.screenplay)
    return Content(screenplay=parse_screenplay_text(data.screenplay_yaml or "").to_data())


async def _checked(gateway: Gateway, owner_id: uuid.UUID, data: ProductionContent) -> Content:
    """The content, with its media and the production's webhook checked (400 before anything changes)."""
    content = production_content(gateway, data)
    if content.screenplay is not None:
        await resolve_for_owner(gateway, owner_id, content.screenplay)  # bad screenplays and media fail here
    if data.webhook is not None:
        await check_target(data.webhook.url, gateway.settings.allow_private_webhooks)
    return content


def _production(content: Content, data: ProductionContent) -> dict[str, Any]:
    webhook = data.webhook
    return {
        "screenplay": content.screenplay,
        "briefing": content.briefing,
        "webhook_url": webhook.url if webhook else None,
        "webhook_events": list(webhook.events) if webhook else None,
    }


def _hand_over(gateway: Gateway, project_id: uuid.UUID) -> None:
    assert gateway.productions is not None, "the assembly plugs in the production runner"
    gateway.productions.start(project_id)


async def start_production(gateway: Gateway, owner_id: uuid.UUID, data: GenerateContentRequest) -> uuid.UUID:
    """Check the content, mark the project running and hand it to the runner."""
    project_id = parse_uuid(data.project_id, "project")
    await gateway.projects.get(owner_id, project_id)
    content = await _checked(gateway, owner_id, data)
    if not await gateway.projects.start(owner_id, project_id, **_production(content, data)):
        raise FailedPrecondition(f"project {project_id} is already being produced; wait for it to finish")
    _hand_over(gateway, project_id)
    return project_id


async def create_production(gateway: Gateway, owner_id: uuid.UUID, data: NewProductionRequest) -> uuid.UUID:
    """Check the content first, then create the project running in one transaction (a refusal leaves nothing)."""
    content = await _checked(gateway, owner_id, data)
    async with gateway.pool.acquire() as conn, conn.transaction():
        project_id = await gateway.projects.create(owner_id, data.name.strip(), data.type, conn)
        await gateway.projects.start(owner_id, project_id, **_production(content, data), conn=conn)
    _hand_over(gateway, project_id)
    return project_id
