"""Projects: what a production request asks for (screenplay, briefing or template), and starting it."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.domain.studio.schemas import (
    BriefingRequest,
    BudgetFit,
    ContentSource,
    EstimateAnswer,
    EstimateRequest,
    GenerateContentRequest,
    NewProductionRequest,
    ProductionContent,
    StepEstimate,
)
from studio.gateway.domain.studio.templates import project_template, templates_dir
from studio.gateway.http.targets import check_target
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.schemas import cost_out
from studio.gateway.production.resolver import resolve_for_owner
from studio.gateway.protojson import to_json
from studio.gateway.providers.budget import refuse_if_over
from studio.gateway.providers.pricing import production_cost
from studio.pipeline.director import Briefing
from studio.pipeline.director.briefing import DEFAULT_STYLE
from studio.pipeline.media import ResolvedScreenplay
from studio.pipeline.screenplay import load_screenplay, parse_screenplay_text, with_backends

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


def production_content(gateway: Gateway, data: ContentSource) -> Content:
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


async def _checked(gateway: Gateway, owner_id: uuid.UUID, data: ProductionContent) -> Checked:
    """The content, with its media and the production's webhook checked (400 before anything changes)."""
    content = production_content(gateway, data)
    resolved = None
    if content.screenplay is not None:
        resolved = await resolve_for_owner(gateway, owner_id, content.screenplay)  # bad screenplays and media fail here
    if data.webhook is not None:
        await check_target(data.webhook.url, gateway.settings.allow_private_webhooks)
    return Checked(content, resolved)


@dataclass(frozen=True)
class Checked:
    content: Content
    #: The screenplay with its media resolved (None for a briefing: the director has not written it yet).
    resolved: ResolvedScreenplay | None


async def _still_to_cost(
    gateway: Gateway, owner_id: uuid.UUID, checked: Checked, project_id: uuid.UUID | None
) -> float | None:
    """What the production's unfinished steps would cost; None when no budget applies (nothing is priced).

    A briefing's steps are unknown until the director writes its screenplay: it is checked as costing
    nothing more, so only an owner already past the budget is refused.
    """
    if await gateway.budget.monthly(owner_id) is None:
        return None
    if checked.resolved is None:
        return 0.0
    estimate = await production_cost(gateway, checked.resolved)
    done = (await gateway.jobs.completed_steps([project_id])).get(project_id, set()) if project_id else set()
    return sum(step.cost.usd for step in estimate.steps if step.id not in done)


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
    checked = await _checked(gateway, owner_id, data)
    cost = await _still_to_cost(gateway, owner_id, checked, project_id)
    async with gateway.pool.acquire() as conn, conn.transaction():
        if cost is not None:
            refuse_if_over(await gateway.budget.state(conn, owner_id, lock=True), cost, "this production")
        started = await gateway.projects.start(owner_id, project_id, **_production(checked.content, data), conn=conn)
    if not started:
        raise FailedPrecondition(f"project {project_id} is already being produced; wait for it to finish")
    _hand_over(gateway, project_id)
    return project_id


async def create_production(gateway: Gateway, owner_id: uuid.UUID, data: NewProductionRequest) -> uuid.UUID:
    """Check the content first, then create the project running in one transaction (a refusal leaves nothing)."""
    checked = await _checked(gateway, owner_id, data)
    cost = await _still_to_cost(gateway, owner_id, checked, None)
    async with gateway.pool.acquire() as conn, conn.transaction():
        if cost is not None:
            refuse_if_over(await gateway.budget.state(conn, owner_id, lock=True), cost, "this production")
        project_id = await gateway.projects.create(owner_id, data.name.strip(), data.type, conn)
        await gateway.projects.start(owner_id, project_id, **_production(checked.content, data), conn=conn)
    _hand_over(gateway, project_id)
    return project_id


async def estimate_content(gateway: Gateway, owner_id: uuid.UUID, data: EstimateRequest) -> EstimateAnswer:
    """Price a production as the model servers would run it; media stand in (nothing is read or uploaded)."""
    content = production_content(gateway, data)
    if content.screenplay is None:
        raise InvalidInput(
            "an estimate needs a screenplay: a briefing's screenplay is written by the director when the production "
            "starts; estimate a screenplay, screenplay_yaml or a template without briefing text"
        )
    screenplay = with_backends(load_screenplay(content.screenplay), data.backends or {})
    estimate = await production_cost(gateway, screenplay)
    steps = []
    for step in estimate.steps:
        cost = cost_out(to_json(step.cost))
        assert cost is not None
        steps.append(StepEstimate(step.id, step.name, step.label, step.service, step.rpc, step.backend, cost))
    async with gateway.pool.acquire() as conn:
        state = await gateway.budget.state(conn, owner_id)
    budget = BudgetFit(state.monthly_usd, state.spent_usd, state.reserved_usd, state.month, state.fits(estimate.usd))
    return EstimateAnswer("USD", round(estimate.usd, 6), estimate.cost.basis or "free", steps, budget)
