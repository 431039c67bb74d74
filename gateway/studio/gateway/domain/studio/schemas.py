"""Project shapes of the studio endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar.openapi.spec import OpenAPIType, Schema

from studio.gateway.jobs.schemas import Asset, Cost, Job
from studio.gateway.production.schemas import Project
from studio.gateway.requests import RequestBody, Uuid, WebhookUrl
from studio.gateway.webhook_events import ProjectEvent

ProjectType = Literal["audio", "image", "video", "mixed"]
ProjectName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S", examples=["Meu Avatar AI"])]


class CreateProjectRequest(RequestBody):
    name: ProjectName
    type: ProjectType = "mixed"


class BriefingRequest(RequestBody):
    """A story in a few sentences: the configured director (STUDIO_DIRECTOR_*) writes the screenplay."""

    text: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=4000,
                description="The story, 1-4000 characters (required unless a template gives the screenplay).",
                extra_json_schema={"extra": {"pattern": r"\S"}},  # the director says what is wrong with a blank one
                examples=["Uma menina que conversa com a lua, e a lua muda de forma conforme a conversa."],
            ),
        ]
        | None
    ) = None
    duration: (
        Annotated[
            float,
            msgspec.Meta(
                ge=5, le=600, description="Seconds the film should last; default 30 (a template's: its length)."
            ),
        ]
        | None
    ) = None
    style: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=200,
                description="Visual style; default the director's (a template's: its style).",
                examples=["watercolour 2D animation, soft colours"],
            ),
        ]
        | None
    ) = None
    language: (
        Annotated[
            str,
            msgspec.Meta(
                max_length=35,
                pattern=r"^([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)?$",
                description="Narration language tag (pt-br, en); empty = guessed from the text (a template's: its).",
            ),
        ]
        | None
    ) = None


class ProjectWebhookRequest(RequestBody):
    """A callback URL for this production."""

    url: WebhookUrl
    #: Empty = both outcomes.
    events: Annotated[list[ProjectEvent], msgspec.Meta(max_length=2)] = msgspec.field(default_factory=list)


class ContentSource(RequestBody):
    """What to produce: exactly one of `screenplay`, `screenplay_yaml`, `briefing` or `template_id` (which may
    come with a `briefing`).

    Media are referenced as `asset:<id>` (upload with POST /api/v1/assets) and voices by their id.
    """

    #: without a template, a briefing needs its text (the director has nothing else to write from)
    extra_rules = (
        Schema(
            schema_not=Schema(
                required=["briefing"],
                properties={
                    "briefing": Schema(
                        type=OpenAPIType.OBJECT,
                        schema_not=Schema(required=["text"], properties={"text": Schema(type=OpenAPIType.STRING)}),
                    ),
                    "template_id": Schema(enum=[None]),
                },
            )
        ),
    )
    #: every pair but (briefing, template_id): a template may come with a briefing
    exclusive = (
        ("screenplay", "screenplay_yaml"),
        ("screenplay", "briefing"),
        ("screenplay", "template_id"),
        ("screenplay_yaml", "briefing"),
        ("screenplay_yaml", "template_id"),
    )

    screenplay: Annotated[dict[str, Any] | None, msgspec.Meta(description="The screenplay as JSON.")] = None
    screenplay_yaml: (
        Annotated[str, msgspec.Meta(max_length=256 * 1024, description="The screenplay as YAML text.")] | None
    ) = None
    briefing: Annotated[
        BriefingRequest | None,
        msgspec.Meta(
            description="A story the configured director turns into the screenplay, as the production's first step "
            "(the written screenplay is kept with the project). With `template_id`: its fields override the "
            "template's, and `text` has the director write a new screenplay in the template's style, language "
            "and length."
        ),
    ] = None
    template_id: (
        Annotated[
            str,
            msgspec.Meta(
                min_length=1,
                max_length=100,
                description="A project template of GET /api/v1/studio/templates: its screenplay is produced.",
                examples=["childrens-story-watercolour"],
            ),
        ]
        | None
    ) = None


class ProductionContent(ContentSource):
    """What to produce (see `ContentSource`), and where to call back when the production ends."""

    webhook: Annotated[
        ProjectWebhookRequest | None,
        msgspec.Meta(
            description="The production's callback URL: project.completed / project.failed (`events` narrows it) "
            "is POSTed there with the project, signed with the key's `webhook_secret` (GET /api/v1/account) in "
            "X-Studio-Signature, and retried with backoff. Loopback and private targets are refused unless the "
            "operator sets STUDIO_ALLOW_PRIVATE_WEBHOOKS=true."
        ),
    ] = None


class GenerateContentRequest(ProductionContent, kw_only=True):
    """Produce in an existing project. Running it again resumes: steps that already finished are not redone."""

    project_id: Uuid


class NewProductionRequest(ProductionContent, kw_only=True):
    """Create a project and start producing it in one call: a refused request leaves no project behind."""

    name: ProjectName
    type: ProjectType = "video"


BackendChoice = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]


class EstimateRequest(ContentSource, kw_only=True):
    """A production to price without running it: its content, and backends overriding the screenplay's."""

    backends: Annotated[
        dict[str, BackendChoice] | None,
        msgspec.Meta(
            description="Backend per step kind, overriding the screenplay's `backends:` block "
            '(e.g. {"image": "fal", "speech": "elevenlabs", "animation": "kling", "music": "replicate"}).'
        ),
    ] = None


class StepEstimate(msgspec.Struct):
    #: The step's id in the production (the same a production's `steps` show).
    id: str
    #: The step's name in the pipeline ("frame:1", "speech:1", "music").
    name: str
    label: str
    service: str
    rpc: str
    #: The backend the step's request names ("" = the service's default).
    backend: str
    cost: Cost


class BudgetFit(msgspec.Struct):
    """The caller's month so far, and whether the estimate fits in what is left."""

    #: null: no budget applies.
    monthly_usd: float | None
    spent_usd: float
    reserved_usd: float
    month: str
    fits: bool


class EstimateAnswer(msgspec.Struct):
    currency: Literal["USD"]
    #: The whole production, in US dollars.
    total: float
    #: estimate, or free when nothing is priced.
    basis: str
    steps: list[StepEstimate]
    budget: BudgetFit


class ProjectDetail(msgspec.Struct):
    project: Project
    #: The production's planned steps: id, name, service, rpc, label, depends_on, the job that ran each
    #: (`job_id`), the version that made its result (`version`) and its scene (`scene`, 1-based; null for
    #: film-wide steps such as portraits, music, sound and the final cut).
    steps: list[dict[str, Any]]
    jobs: list[Job]
    assets: list[Asset]
    #: The screenplay being produced: the one given, the template's, or the one the director wrote
    #: from the briefing (null while the director is still writing it, and for a draft).
    screenplay: dict[str, Any] | None = None
    #: The briefing of the latest production, when it was made from one.
    briefing: dict[str, Any] | None = None


class TemplateText(msgspec.Struct):
    name: str
    description: str


class Template(msgspec.Struct):
    """A preset of the repository's templates/ folder (the web studio bundles the same files)."""

    id: str
    #: project (produce it with generate-content's `template_id`), image, speech, music, animate, avatar
    kind: str
    #: In English; `translations` has the others.
    name: str
    description: str
    tags: list[str]
    #: The narration language of a project template.
    language: str | None
    #: name and description by locale ("en", "pt-BR").
    translations: dict[str, TemplateText]
    #: The preset's values: a project's `name` and `screenplay`; the form fields of the other kinds.
    values: dict[str, Any]


class ProjectVersion(msgspec.Struct):
    """One production of a project: the first, or a re-render of some scenes."""

    number: int
    #: running, completed, failed
    status: str
    #: Scenes (1-based) rendered anew with new seeds; empty = the whole film.
    scenes: list[int]
    created_at: datetime
    #: The version's film and sidecars (asset ids), once composed.
    film_asset_id: str | None
    subtitles_asset_id: str | None
    poster_asset_id: str | None
    #: Its film is the project's `result`.
    current: bool
    error: str | None = None


class RenderRequest(RequestBody):
    """Re-render chosen scenes as a new version: their pictures get new seeds; unchanged steps are recalled."""

    scenes: Annotated[
        list[Annotated[int, msgspec.Meta(ge=1)]],
        msgspec.Meta(max_length=500, description="Scene numbers (1-based); [] = every scene of the film."),
    ] = msgspec.field(default_factory=list)


class DuplicateRequest(RequestBody):
    name: ProjectName | None = None
