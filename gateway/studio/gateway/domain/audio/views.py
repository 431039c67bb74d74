"""What clients see of a voice."""

from __future__ import annotations

from typing import Any

from studio.gateway.context import Gateway
from studio.gateway.domain.audio.schemas import Voice, VoiceLinks
from studio.gateway.links import link


def voice_out(gateway: Gateway, row: Any) -> Voice:
    voice_id = str(row["id"])
    return Voice(
        id=voice_id,
        name=row["name"],
        language=row["language"],
        status=row["status"],
        details=row["details"] or {},
        error=row["error"],
        created_at=row["created_at"],
        links=VoiceLinks(
            self_=link(gateway, f"/api/v1/audio/voices/{voice_id}"),
            job=link(gateway, f"/api/v1/jobs/{row['job_id']}") if row["job_id"] else None,
            sample=link(gateway, f"/api/v1/assets/{row['sample_asset_id']}") if row["sample_asset_id"] else None,
        ),
    )
