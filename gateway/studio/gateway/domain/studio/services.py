"""Projects: creation and starting a production."""

from __future__ import annotations

import uuid
from typing import Any

from studio.core.errors import FailedPrecondition, InvalidInput
from studio.gateway.context import Gateway
from studio.gateway.domain.studio.schemas import GenerateContentRequest
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.production.resolver import resolve_for_owner
from studio.pipeline.screenplay import parse_screenplay_text


def screenplay_data(data: GenerateContentRequest) -> dict[str, Any]:
    """The screenplay of a request as plain data (validated later by the pipeline's own loader)."""
    if (data.screenplay is None) == (data.screenplay_yaml is None):
        raise InvalidInput("give the screenplay as `screenplay` (JSON) or `screenplay_yaml` (text), exactly one")
    if data.screenplay is not None:
        return data.screenplay
    return parse_screenplay_text(data.screenplay_yaml or "").to_data()


async def start_production(gateway: Gateway, owner_id: uuid.UUID, data: GenerateContentRequest) -> uuid.UUID:
    """Validate the screenplay and its media, mark the project running, and hand it to the runner."""
    project_id = parse_uuid(data.project_id, "project")
    await gateway.projects.get(owner_id, project_id)
    screenplay = screenplay_data(data)
    await resolve_for_owner(gateway, owner_id, screenplay)  # bad screenplays and media fail here, with 400
    if not await gateway.projects.start(owner_id, project_id, screenplay):
        raise FailedPrecondition(f"project {project_id} is already being produced; wait for it to finish")
    assert gateway.productions is not None, "the assembly plugs in the production runner"
    gateway.productions.start(project_id)
    return project_id
