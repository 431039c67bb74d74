"""Screenplay media on a gateway: `asset:<id>` references and voice ids of the calling key only.

Local paths name files on the client's machine, so they are refused with a hint to upload.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from studio.core.errors import InvalidInput, NotFound
from studio.gateway.context import Gateway
from studio.gateway.store.assets import ref_of
from studio.gateway.store.voices import ready_profile
from studio.pipeline.media import MediaUse, ResolvedScreenplay, VoiceUse, resolve_media
from studio.pipeline.screenplay import load_screenplay
from studio.v1.common_pb2 import ArtifactRef


class GatewayMediaResolver:
    def __init__(self, gateway: Gateway, owner_id: uuid.UUID) -> None:
        self.gateway = gateway
        self.owner_id = owner_id

    async def media(self, use: MediaUse, base_dir: Path) -> ArtifactRef:
        if use.asset_id is None:
            raise InvalidInput(
                f"{use.field}: {use.reference!r} is a local path; upload the file with POST /api/v1/assets "
                "and write `asset:<id>` instead"
            )
        try:
            asset_id = uuid.UUID(use.asset_id)
            row = await self.gateway.assets.get(self.owner_id, asset_id)
        except (ValueError, NotFound):
            raise InvalidInput(f"{use.field}: asset {use.asset_id!r} not found") from None
        if row["type"] != use.kind:
            raise InvalidInput(f"{use.field}: asset {use.asset_id} is {row['type']}; an {use.kind} is needed")
        return ref_of(row)

    async def voice(self, use: VoiceUse) -> ArtifactRef:
        try:
            voice_id = uuid.UUID(use.voice_id)
        except ValueError:
            raise InvalidInput(f"{use.field}: {use.voice_id!r} is not a voice id") from None
        try:
            row = await self.gateway.voices.get(self.owner_id, voice_id)
        except NotFound:
            raise InvalidInput(f"{use.field}: voice {use.voice_id} not found") from None
        return ready_profile(row, use.voice_id, use.field)


async def resolve_for_owner(gateway: Gateway, owner_id: uuid.UUID, data: dict[str, Any]) -> ResolvedScreenplay:
    """Validate a screenplay and resolve its media for this key (InvalidInput names the wrong field)."""
    return await resolve_media(load_screenplay(data), GatewayMediaResolver(gateway, owner_id))
