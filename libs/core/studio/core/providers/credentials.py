"""A job's own provider keys (a tenant's), sealed for the trip from the gateway to the model server.

The gateway decrypts a tenant's stored keys and attaches them to the job's NATS
message, sealed: AES-256-GCM with the secret both sides share
(STUDIO_PROVIDER_CREDENTIALS_SECRET) and the job id as associated data, so the
plaintext never enters JetStream's storage and a sealed blob opens for that job
only. The worker opens it into `OperationContext.credentials` and registers every
key for redaction before the job runs. Payloads and events never carry keys.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr

from studio.core.errors import ConfigError, FailedPrecondition
from studio.core.providers.secrets import register_secret

#: The NATS message header a job's sealed credentials travel in.
HEADER = "Studio-Credentials"
_NONCE = 12


def secret_key(encoded: str) -> bytes:
    """The shared secret: base64 of 32 random bytes (`openssl rand -base64 32`)."""
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ConfigError(
            "STUDIO_PROVIDER_CREDENTIALS_SECRET: give base64 of 32 random bytes (openssl rand -base64 32)"
        )
    return key


def seal(credentials: Mapping[str, str], secret: bytes, job_id: str) -> str:
    """What the gateway attaches to a job: its provider keys, openable only with `secret` for `job_id`."""
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(secret).encrypt(nonce, json.dumps(dict(credentials)).encode(), job_id.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def unseal(sealed: str, secret: bytes | None, job_id: str) -> dict[str, SecretStr]:
    """The keys of a job; each registered for redaction. FailedPrecondition when they cannot be opened."""
    if secret is None:
        raise FailedPrecondition(
            "the job carries provider credentials but this service has no STUDIO_PROVIDER_CREDENTIALS_SECRET"
        )
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
        opened = json.loads(AESGCM(secret).decrypt(raw[:_NONCE], raw[_NONCE:], job_id.encode()))
    except (InvalidTag, ValueError, binascii.Error, UnicodeError):
        raise FailedPrecondition(
            "the job's provider credentials could not be opened; check that the gateway and the services share "
            "STUDIO_PROVIDER_CREDENTIALS_SECRET"
        ) from None
    if not isinstance(opened, dict) or not all(isinstance(v, str) for v in opened.values()):
        raise FailedPrecondition("the job's provider credentials are malformed")
    for value in opened.values():
        register_secret(value)
    return {str(name): SecretStr(value) for name, value in opened.items()}
