"""Projects: create, produce a screenplay in one, list and inspect them."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import Parameter

from studio.gateway.context import Gateway
from studio.gateway.domain.studio.schemas import CreateProjectRequest, GenerateContentRequest, Project, ProjectDetail
from studio.gateway.domain.studio.services import start_production
from studio.gateway.domain.studio.views import load_project, project_detail, projects_out
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.openapi import ACCEPTED_RESPONSES


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
        summary="Produce a screenplay in a project (resumable)",
        description="Validates the screenplay and its media, then produces it in the background: every "
        "step becomes a job of the project. Follow it with GET /api/v1/studio/projects/{id}.",
        responses=ACCEPTED_RESPONSES,
        status_code=202,
    )
    async def generate_content(
        self, gateway: Gateway, owner: uuid.UUID, data: GenerateContentRequest
    ) -> Response[Project]:
        project_id = await start_production(gateway, owner, data)
        project = await load_project(gateway, owner, project_id)
        return Response(project, status_code=202, headers={"Location": project.links.self_})

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
