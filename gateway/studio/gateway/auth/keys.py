"""API keys: random secrets shown once, stored only as SHA-256 hashes.

Keys carry 256 bits of randomness, so a plain (unsalted) SHA-256 is enough to
make a leaked table useless while keeping the lookup a single indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from studio.core.errors import InvalidInput
from studio.gateway.store.base import Db
from studio.gateway.store.keys import KeyStore

KEY_PREFIX = "sk_studio_"


@dataclass(frozen=True)
class CreatedKey:
    id: uuid.UUID
    name: str
    key: str
    webhook_secret: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


async def create_key(db: Db, name: str) -> CreatedKey:
    """Store a new key's hash; the returned plain key is never retrievable again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("key name must be 1-100 characters")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = uuid.uuid4()
    webhook_secret = "whsec_" + secrets.token_urlsafe(24)
    await KeyStore(db).insert(key_id, name, key[: len(KEY_PREFIX) + 6], hash_key(key), webhook_secret)
    return CreatedKey(id=key_id, name=name, key=key, webhook_secret=webhook_secret)
