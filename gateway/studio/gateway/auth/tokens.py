"""Short-lived JWTs for the web UI, exchanged for an API key at /api/v1/auth/token.

A token names the key it was issued for (`sub`), not the account: revoking that key stops its
tokens, and the account is looked up from the key as for the key itself.
"""

from __future__ import annotations

import time
import uuid

import jwt

ALGORITHM = "HS256"
AUDIENCE = "studio"


def issue_token(secret: str, key_id: uuid.UUID, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {"sub": str(key_id), "aud": AUDIENCE, "iat": now, "exp": now + ttl_seconds, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def key_of_token(secret: str, token: str) -> uuid.UUID | None:
    """The key a valid, unexpired token names, or None."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, options={"require": ["exp", "sub"]}
        )
        return uuid.UUID(str(claims["sub"]))
    except (jwt.PyJWTError, ValueError):
        return None
