"""Project shapes of the studio endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from studio.gateway.jobs.schemas import Asset, Job

ProjectType = Literal["audio", "image", "video", "mixed"]


class CreateProjectRequest(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S", examples=["Meu Avatar AI"])]
    type: ProjectType = "mixed"


class GenerateContentRequest(msgspec.Struct, kw_only=True):
    """Produce a screenplay in a project: give it as JSON (`screenplay`) or as YAML text (`screenplay_yaml`).

    Media are referenced as `asset:<id>` (upload with POST /api/v1/assets) and voices by their id.
    Running it again resumes: steps that already finished are not redone.
    """

    project_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    screenplay: dict[str, Any] | None = None
    screenplay_yaml: Annotated[str, msgspec.Meta(max_length=256 * 1024)] | None = None


class ProjectLinks(msgspec.Struct):
    self_: str = msgspec.field(name="self")
    jobs: str
    assets: str


class Project(msgspec.Struct):
    id: str
    name: str
    type: str
    #: draft, running, completed, failed
    status: str
    error: str | None
    steps_total: int
    steps_completed: int
    #: The composed film (ComposeResult) of the last successful production.
    result: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    links: ProjectLinks


class ProjectDetail(msgspec.Struct):
    project: Project
    #: The production's planned steps, with the job that ran each.
    steps: list[dict[str, Any]]
    jobs: list[Job]
    assets: list[Asset]
