"""/api/v1/presets: the account's own presets (the repository's are GET /api/v1/studio/templates)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import Parameter

from studio.gateway.context import Gateway
from studio.gateway.domain.presets.schemas import PRESET_KINDS, Preset, PresetCreate
from studio.gateway.domain.presets.services import check_kind, create_preset, preset_out
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.openapi import ERROR_RESPONSES, problem_response

PresetId = Annotated[str, Parameter(description="The preset's id; another account's (or not a UUID) is a 404")]


class PresetController(Controller):
    path = "/api/v1/presets"
    tags = ("presets",)

    @get("/", operation_id="list_presets", summary="The account's presets, newest first")
    async def list_(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        kind: Annotated[
            str | None,
            Parameter(
                description="Only presets of this kind: " + ", ".join(PRESET_KINDS),
                max_length=20,
                schema_extra={"enum": list(PRESET_KINDS)},
            ),
        ] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 200,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> list[Preset]:
        if kind is not None:
            check_kind(kind)
        rows = await gateway.presets.page(owner, kind, limit, offset)
        return [preset_out(row) for row in rows]

    @post(
        "/",
        operation_id="create_preset",
        summary="Save a form's fields as a preset of the account",
        description="`values` is a JSON object of at most 64 kB (413 beyond); strings in it may not hold NUL "
        "characters. Every key of the account sees the preset.",
        responses={
            **ERROR_RESPONSES,
            409: problem_response("The account keeps the most presets it may (500)"),
            413: problem_response("`values` takes more than 64 kB of JSON"),
        },
        status_code=201,
    )
    async def create(self, gateway: Gateway, owner: uuid.UUID, data: PresetCreate) -> Preset:
        return await create_preset(gateway, owner, data)

    @delete("/{preset_id:str}", operation_id="delete_preset", summary="Delete a preset", responses=ERROR_RESPONSES)
    async def remove(self, gateway: Gateway, owner: uuid.UUID, preset_id: PresetId) -> None:
        await gateway.presets.delete(owner, parse_uuid(preset_id, "preset"))
