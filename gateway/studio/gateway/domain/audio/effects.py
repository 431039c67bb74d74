"""A voice turns ready (or failed) when its registration job ends (registered at assembly)."""

from __future__ import annotations

import asyncpg
from google.protobuf.message import Message

from studio.gateway.protojson import to_json
from studio.gateway.store.voices import VoiceStore
from studio.v1 import audio_pb2

#: The job type whose end settles a voice.
REGISTER_VOICE = "audio.register_voice"


class VoiceRegistration:
    def __init__(self, voices: VoiceStore) -> None:
        self.voices = voices

    async def finish(self, conn: asyncpg.Connection, job: asyncpg.Record, result: Message | None) -> None:
        """Called in the transaction that ends a registration job."""
        if job["status"] == "completed" and isinstance(result, audio_pb2.RegisterVoiceResult):
            details = to_json(result)
            profile = details.pop("profile", None)
            details.pop("reference", None)
            await self.voices.ready(conn, job["id"], profile, details)
        else:
            await self.voices.failed(conn, job["id"], job["error_message"] or f"voice registration {job['status']}")
