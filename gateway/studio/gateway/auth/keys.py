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
from studio.gateway.requests import is_label
from studio.gateway.store.base import Db
from studio.gateway.store.keys import KeyStore

KEY_PREFIX = "sk_studio_"


@dataclass(frozen=True)
class CreatedKey:
    id: uuid.UUID
    #: The account the key belongs to (its own id for the first key of a new account).
    tenant_id: uuid.UUID
    name: str
    key: str
    webhook_secret: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


async def create_key(db: Db, name: str, tenant_id: uuid.UUID | None = None) -> CreatedKey:
    """Store a new key's hash; the returned plain key is never retrievable again.

    Without `tenant_id` the key starts a new account (`studio keys create`); with it, the key joins
    that account and shares its resources and webhook signing secret (`POST /api/v1/keys`).
    """
    name = name.strip()
    if len(name) > 100 or not is_label(name):
        raise InvalidInput(
            "name: a key's name must be 1-100 characters, some visible, and no NUL, line breaks or other control "
            "characters"
        )
    store = KeyStore(db)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_id = uuid.uuid4()
    if tenant_id is None:
        webhook_secret = "whsec_" + secrets.token_urlsafe(24)
    else:
        webhook_secret = await store.webhook_secret(db, tenant_id)
    await store.insert(key_id, name, key[: len(KEY_PREFIX) + 6], hash_key(key), webhook_secret, tenant_id)
    return CreatedKey(id=key_id, tenant_id=tenant_id or key_id, name=name, key=key, webhook_secret=webhook_secret)
