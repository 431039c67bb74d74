"""Preset shapes. `kind` is checked by the service (not as a Literal) so a wrong one is answered with
the accepted kinds; the OpenAPI document still lists them as an enum."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

import msgspec
from litestar.params import KwargDefinition

from studio.gateway.requests import LABEL_PATTERN, RequestBody

PresetKind = Literal["project", "image", "speech", "music", "animate", "avatar"]
PRESET_KINDS: tuple[str, ...] = get_args(PresetKind)
#: The most JSON a preset's values may take.
MAX_VALUES_BYTES = 64 * 1024
MAX_TAGS = 20

KindField = Annotated[
    str,
    KwargDefinition(
        schema_extra={"enum": list(PRESET_KINDS)},
        description="Which form the preset fills: " + ", ".join(PRESET_KINDS),
    ),
]


class PresetCreate(RequestBody):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=LABEL_PATTERN, examples=["Aquarela 16:9"])]
    kind: KindField
    #: The form's fields, as the client saved them: a JSON object of at most 64 kB.
    values: dict[str, Any]
    tags: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=LABEL_PATTERN)]],
        msgspec.Meta(max_length=MAX_TAGS),
    ] = msgspec.field(default_factory=list)


class Preset(msgspec.Struct):
    id: str
    name: str
    kind: PresetKind
    tags: list[str]
    values: dict[str, Any]
    created_at: datetime
