"""Short-lived JWTs for the web UI, exchanged for an API key at /api/v1/auth/token."""

from __future__ import annotations

import time
import uuid

import jwt

ALGORITHM = "HS256"
AUDIENCE = "studio"


def issue_token(secret: str, owner_id: uuid.UUID, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {"sub": str(owner_id), "aud": AUDIENCE, "iat": now, "exp": now + ttl_seconds, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def owner_of_token(secret: str, token: str) -> uuid.UUID | None:
    """The tenant a valid, unexpired token names, or None."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=AUDIENCE, options={"require": ["exp", "sub"]}
        )
        return uuid.UUID(str(claims["sub"]))
    except (jwt.PyJWTError, ValueError):
        return None
