"""Projects: create, produce a screenplay, briefing or template in one, list and inspect them; their
versions (re-render scenes, restore, duplicate) and a zip of everything; templates; the screenplay's JSON Schema."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter
from litestar.response import Stream

from studio.gateway.context import Gateway
from studio.gateway.domain.studio.export import project_zip, stream_zip
from studio.gateway.domain.studio.schemas import (
    CreateProjectRequest,
    DuplicateRequest,
    EstimateAnswer,
    EstimateRequest,
    GenerateContentRequest,
    NewProductionRequest,
    ProjectDetail,
    ProjectVersion,
    RenderRequest,
    Template,
)
from studio.gateway.domain.studio.services import create_production, estimate_content, start_production
from studio.gateway.domain.studio.templates import TemplateKind, load_templates, templates_dir
from studio.gateway.domain.studio.versions import list_versions, render, restore, version_out
from studio.gateway.domain.studio.views import project_detail
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.links import link
from studio.gateway.openapi import ACCEPTED_RESPONSES, ERROR_RESPONSES, problem_response
from studio.gateway.production.schemas import Project
from studio.gateway.production.views import load_project, projects_out
from studio.pipeline.screenplay import SCHEMA_PATH

#: A version's number (1, 2, ...): PostgreSQL keeps it as an int4.
VersionNumber = Annotated[int, Parameter(ge=1, le=2**31 - 1, description="The version's number, from 1")]

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
        "/projects/{project_id:str}/versions",
        operation_id="list_versions",
        summary="A project's versions, newest first",
        description="Every production of the project is a version; `current` marks the one whose film is the "
        "project's `result`.",
    )
    async def list_versions(self, gateway: Gateway, owner: uuid.UUID, project_id: str) -> list[ProjectVersion]:
        return await list_versions(gateway, owner, parse_uuid(project_id, "project"))

    @get("/projects/{project_id:str}/versions/{number:int}", operation_id="get_version", summary="One version")
    async def get_version(
        self, gateway: Gateway, owner: uuid.UUID, project_id: str, number: VersionNumber
    ) -> ProjectVersion:
        project_uuid = parse_uuid(project_id, "project")
        return await version_out(gateway, project_uuid, await gateway.projects.version(owner, project_uuid, number))

    @post(
        "/projects/{project_id:str}/render",
        operation_id="render_project",
        summary="Re-render chosen scenes (or the whole film) as a new version",
        description="The chosen scenes' pictures get new seeds; their steps and everything that depends on them "
        "run again, every other step is recalled from the version that made it. `scenes: []` re-renders every "
        "scene. 409 while the project is being produced or has no film yet.",
        responses={
            **ERROR_RESPONSES,
            400: problem_response("A scene out of range"),
            409: problem_response("Being produced, or no film yet"),
        },
        status_code=202,
    )
    async def render_project(
        self, gateway: Gateway, owner: uuid.UUID, project_id: str, data: RenderRequest
    ) -> Response[ProjectVersion]:
        project_uuid = parse_uuid(project_id, "project")
        number = await render(gateway, owner, project_uuid, data.scenes)
        version = await version_out(gateway, project_uuid, await gateway.projects.version(owner, project_uuid, number))
        location = link(gateway, f"/api/v1/studio/projects/{project_uuid}/versions/{number}")
        return Response(version, status_code=202, headers={"Location": location})

    @post(
        "/projects/{project_id:str}/versions/{number:int}/restore",
        operation_id="restore_version",
        summary="Make a completed version current again (its film becomes the project's result)",
        responses={**ERROR_RESPONSES, 409: problem_response("Version not completed, or the project is running")},
        status_code=200,
    )
    async def restore_version(
        self, gateway: Gateway, owner: uuid.UUID, project_id: str, number: VersionNumber
    ) -> Project:
        project_uuid = parse_uuid(project_id, "project")
        await restore(gateway, owner, project_uuid, number)
        return await load_project(gateway, owner, project_uuid)

    @post(
        "/projects/{project_id:str}/duplicate",
        operation_id="duplicate_project",
        summary="A new draft project holding this one's current screenplay (no jobs are copied)",
        responses=ERROR_RESPONSES,
        status_code=201,
    )
    async def duplicate_project(
        self, gateway: Gateway, owner: uuid.UUID, project_id: str, data: DuplicateRequest | None = None
    ) -> Project:
        name = data.name.strip() if data is not None and data.name is not None else None
        new_id = await gateway.projects.duplicate(owner, parse_uuid(project_id, "project"), name)
        return await load_project(gateway, owner, new_id)

    @get(
        "/projects/{project_id:str}/export",
        operation_id="export_project",
        summary="The current version as a zip: film, subtitles, poster, stills, narration, music, screenplay",
        description="Streamed as it is written, named after the project. Entries: film.mp4, film.srt, film.vtt, "
        "poster.png, stills/scene-NN.png, narration/scene-NN.wav, music.wav, screenplay.yaml (those the "
        "production made). 409 while the project has no finished film.",
        responses={**ERROR_RESPONSES, 409: problem_response("No finished film yet")},
        media_type="application/zip",
    )
    async def export_project(self, gateway: Gateway, owner: uuid.UUID, project_id: str) -> Stream:
        content = await project_zip(gateway, owner, parse_uuid(project_id, "project"))
        ascii_name = content.filename.encode("ascii", "ignore").decode().strip() or "project.zip"
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(content.filename)}"
        return Stream(
            stream_zip(gateway, content), media_type="application/zip", headers={"Content-Disposition": disposition}
        )

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

    @get(
        "/screenplay.schema.json",
        operation_id="screenplay_schema",
        summary="The JSON Schema screenplays are validated with (JSON Schema 2020-12)",
        media_type="application/schema+json",
        responses={
            200: ResponseSpec(
                dict[str, Any],
                description="The schema document",
                media_type="application/schema+json",
                generate_examples=False,
            ),
            401: ERROR_RESPONSES[401],
        },
    )
    async def screenplay_schema(self) -> Response[bytes]:
        return Response(
            SCHEMA_PATH.read_bytes(),
            media_type="application/schema+json",
            headers={"Cache-Control": "private, max-age=3600"},
        )


async def _accepted(gateway: Gateway, owner: uuid.UUID, project_id: uuid.UUID) -> Response[Project]:
    project = await load_project(gateway, owner, project_id)
    return Response(project, status_code=202, headers={"Location": project.links.self_})
