"""Tenants' provider keys at rest: AES-256-GCM under STUDIO_PROVIDER_KEYS_SECRET, with rotation.

The setting lists base64 32-byte secrets, newest first. A key is encrypted with the
first, its associated data binding it to its owner and provider (a ciphertext copied
onto another row does not open). Each row records which secret sealed it by an id
derived from that secret, so reordering or adding secrets never confuses them; a
row sealed with an older secret opens with it and is sealed again with the newest
when it is next read (`rewrap`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from studio.core.errors import ConfigError, FailedPrecondition

_NONCE = 12
NOT_ENABLED = "provider keys are not enabled: set STUDIO_PROVIDER_KEYS_SECRET"


def _version(secret: bytes) -> int:
    """A stable SMALLINT id of a secret (which one sealed a row), revealing nothing about it."""
    return int.from_bytes(hashlib.sha256(b"studio-provider-keys:" + secret).digest()[:2], "big") & 0x7FFF


def _decoded(encoded: str) -> bytes:
    try:
        secret = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != 32:
        raise ConfigError(
            "STUDIO_PROVIDER_KEYS_SECRET: give base64 of 32 random bytes (openssl rand -base64 32), newest first, "
            "comma-separated"
        )
    return secret


@dataclass(frozen=True)
class Sealed:
    ciphertext: bytes
    version: int


class KeyRing:
    def __init__(self, setting: str) -> None:
        self._secrets = [_decoded(part) for part in setting.split(",") if part.strip()]
        self._by_version = {_version(secret): secret for secret in self._secrets}

    @property
    def enabled(self) -> bool:
        return bool(self._secrets)

    @property
    def current(self) -> int:
        return _version(self._secrets[0])

    def _require(self) -> None:
        if not self._secrets:
            raise FailedPrecondition(NOT_ENABLED)

    @staticmethod
    def _aad(owner_id: uuid.UUID, provider: str) -> bytes:
        return owner_id.bytes + provider.encode()

    def seal(self, owner_id: uuid.UUID, provider: str, key: str) -> Sealed:
        self._require()
        nonce = os.urandom(_NONCE)
        sealed = AESGCM(self._secrets[0]).encrypt(nonce, key.encode(), self._aad(owner_id, provider))
        return Sealed(nonce + sealed, self.current)

    def open(self, owner_id: uuid.UUID, provider: str, sealed: Sealed) -> str:
        """The plaintext key; FailedPrecondition when no configured secret opens it (one was removed)."""
        self._require()
        first = self._by_version.get(sealed.version)
        candidates = [first] if first is not None else []
        candidates += [secret for secret in self._secrets if secret is not first]
        for secret in candidates:
            try:
                plain = AESGCM(secret).decrypt(
                    sealed.ciphertext[:_NONCE], sealed.ciphertext[_NONCE:], self._aad(owner_id, provider)
                )
            except InvalidTag:
                continue
            return plain.decode()
        raise FailedPrecondition(
            f"the stored {provider} key cannot be opened with any STUDIO_PROVIDER_KEYS_SECRET; store it again"
        )


def hint(key: str) -> str:
    """What listings show of a key: its last four characters."""
    return "…" + key[-4:]
