"""Who a request comes from (a key of an account), and the short-lived memory of checked credentials.

The cache lives on the Gateway, so revoking a key through the API forgets it (and the tokens issued
for it) in this process at once; other replicas stop accepting it within STUDIO_AUTH_CACHE_SECONDS.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Literal

_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class Caller:
    #: The account (tenant): the `owner_id` of everything the request reads or makes.
    tenant_id: uuid.UUID
    #: The key the request was made with (for a web UI token, the key it was issued for).
    key_id: uuid.UUID
    credential: Literal["api_key", "token"]


@dataclass(frozen=True)
class Refusal:
    """Why a credential is refused: the 401's message, and a word a client can switch on."""

    message: str
    reason: Literal["invalid", "revoked"]


class CredentialCache:
    """Credential hash -> what checking it found (a Caller or a Refusal), for a few seconds."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Caller | Refusal, float]] = {}

    def get(self, credential_hash: str) -> Caller | Refusal | None:
        entry = self._entries.get(credential_hash)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, credential_hash: str, found: Caller | Refusal, seconds: float) -> None:
        if len(self._entries) >= _CACHE_LIMIT:
            self._entries.clear()
        self._entries[credential_hash] = (found, time.monotonic() + seconds)

    def forget_key(self, key_id: uuid.UUID) -> None:
        """Drop what was found for a key and for its tokens (it was just revoked)."""
        self._entries = {
            credential: entry
            for credential, entry in self._entries.items()
            if not (isinstance(entry[0], Caller) and entry[0].key_id == key_id)
        }
