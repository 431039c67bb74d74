"""A voice turns ready (or failed) when its registration job ends (registered at assembly)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from google.protobuf.message import Message

from studio.gateway.effects import Outcome
from studio.gateway.protojson import to_json
from studio.gateway.store.voices import VoiceStore
from studio.v1 import audio_pb2

#: The job type whose end settles a voice.
REGISTER_VOICE = "audio.register_voice"


class VoiceRegistration:
    def __init__(self, voices: VoiceStore) -> None:
        self.voices = voices

    async def finish(self, conn: asyncpg.Connection, outcomes: Sequence[Outcome]) -> None:
        """Called in the transaction that ends registration jobs."""
        for job, result in outcomes:
            await self._settle(conn, job, result)

    async def _settle(self, conn: asyncpg.Connection, job: asyncpg.Record, result: Message | None) -> None:
        if job["status"] == "completed" and isinstance(result, audio_pb2.RegisterVoiceResult):
            details = to_json(result)
            profile = details.pop("profile", None)
            details.pop("reference", None)
            await self.voices.ready(conn, job["id"], profile, details)
        else:
            await self.voices.failed(conn, job["id"], job["error_message"] or f"voice registration {job['status']}")
