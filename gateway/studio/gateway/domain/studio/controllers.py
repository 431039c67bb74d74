"""Projects: create, produce a screenplay, briefing or template in one, list and inspect them; templates."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import Parameter

from studio.gateway.context import Gateway
from studio.gateway.domain.studio.schemas import (
    CreateProjectRequest,
    EstimateAnswer,
    EstimateRequest,
    GenerateContentRequest,
    NewProductionRequest,
    ProjectDetail,
    Template,
)
from studio.gateway.domain.studio.services import create_production, estimate_content, start_production
from studio.gateway.domain.studio.templates import TemplateKind, load_templates, templates_dir
from studio.gateway.domain.studio.views import project_detail
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.openapi import ACCEPTED_RESPONSES, ERROR_RESPONSES
from studio.gateway.production.schemas import Project
from studio.gateway.production.views import load_project, projects_out

_PRODUCING = (
    "Validates the content and its media, then produces it in the background: every step becomes a "
    "job of the project. The content is exactly one of `screenplay`, `screenplay_yaml`, `briefing` (the "
    "configured director writes the screenplay as the production's first step) or `template_id` (optionally "
    "with a `briefing` overriding the template's). `webhook` gets project.completed / project.failed. Follow "
    "it with GET /api/v1/studio/projects/{id}."
)


class StudioController(Controller):
    path = "/api/v1/studio"
    tags = ("studio",)

    @post("/create-project", operation_id="create_project", summary="Create an (empty) project", status_code=201)
    async def create_project(self, gateway: Gateway, owner: uuid.UUID, data: CreateProjectRequest) -> Project:
        project_id = await gateway.projects.create(owner, data.name.strip(), data.type)
        return await load_project(gateway, owner, project_id)

    @post(
        "/generate-content",
        operation_id="generate_content",
        summary="Produce a screenplay, briefing or template in a project (resumable)",
        description=_PRODUCING + " Running it again resumes: finished steps are not redone.",
        responses=ACCEPTED_RESPONSES,
        status_code=202,
    )
    async def generate_content(
        self, gateway: Gateway, owner: uuid.UUID, data: GenerateContentRequest
    ) -> Response[Project]:
        project_id = await start_production(gateway, owner, data)
        return await _accepted(gateway, owner, project_id)

    @post(
        "/projects",
        operation_id="create_production",
        summary="Create a project and start producing it, in one call",
        description=_PRODUCING + " A refused request leaves no project behind.",
        responses=ACCEPTED_RESPONSES,
        status_code=202,
    )
    async def create_production(
        self, gateway: Gateway, owner: uuid.UUID, data: NewProductionRequest
    ) -> Response[Project]:
        project_id = await create_production(gateway, owner, data)
        return await _accepted(gateway, owner, project_id)

    @post(
        "/estimate",
        operation_id="estimate_content",
        summary="What a production would cost, per step and in total, before anything runs",
        description="The body is generate-content's content (`screenplay`, `screenplay_yaml` or `template_id`) with "
        "optional `backends` overriding the screenplay's. Each step is priced by the model server that would run "
        "it (its default backends, its prices); media references stand in, nothing is read, uploaded or run. "
        "`budget` says whether the total fits in what is left of your monthly budget. 400 for an invalid "
        "screenplay or backend, 503 when a model server needed to price a step does not answer.",
        status_code=200,
    )
    async def estimate(self, gateway: Gateway, owner: uuid.UUID, data: EstimateRequest) -> EstimateAnswer:
        return await estimate_content(gateway, owner, data)

    @get("/projects", operation_id="list_projects", summary="Your projects, newest first")
    async def list_projects(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> list[Project]:
        return await projects_out(gateway, await gateway.projects.page(owner, limit, offset))

    @get("/projects/{project_id:str}", operation_id="get_project", summary="A project with its steps, jobs and assets")
    async def get_project(self, gateway: Gateway, owner: uuid.UUID, project_id: str) -> ProjectDetail:
        return await project_detail(gateway, owner, parse_uuid(project_id, "project"))

    @get(
        "/templates",
        operation_id="list_templates",
        summary="The studio's preset templates (project ones start a production by `template_id`)",
        responses={401: ERROR_RESPONSES[401], 429: ERROR_RESPONSES[429]},
    )
    async def list_templates(
        self,
        gateway: Gateway,
        kind: Annotated[TemplateKind | None, Parameter(description="Only presets of this kind")] = None,
    ) -> list[Template]:
        templates = load_templates(templates_dir(gateway.settings.templates_dir))
        return [template for template in templates if kind is None or template.kind == kind]


async def _accepted(gateway: Gateway, owner: uuid.UUID, project_id: uuid.UUID) -> Response[Project]:
    project = await load_project(gateway, owner, project_id)
    return Response(project, status_code=202, headers={"Location": project.links.self_})
