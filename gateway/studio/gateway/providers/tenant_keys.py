"""A tenant's own provider keys on their way to a job: opened from the database, sealed onto the message.

Only the providers the job's service may call get a key (a composer job carries none).
The seal (studio.core.providers.credentials) binds the blob to the job's submission id,
so it opens for that dispatch only; the plaintext never enters the payload, the job row
or JetStream's storage.
"""

from __future__ import annotations

import logging
import uuid

from studio.core.errors import FailedPrecondition
from studio.core.providers.credentials import seal, secret_key
from studio.core.providers.secrets import register_secret
from studio.gateway.providers.keyring import KeyRing, Sealed
from studio.gateway.store.provider_keys import ProviderKeyStore

log = logging.getLogger(__name__)

#: Which providers each service's backends call.
SERVICE_PROVIDERS: dict[str, tuple[str, ...]] = {
    "image": ("fal", "replicate"),
    "audio": ("elevenlabs", "replicate"),
    "video": ("kling", "runway", "luma", "minimax"),
    "composer": (),
}


async def open_keys(store: ProviderKeyStore, keyring: KeyRing, owner_id: uuid.UUID) -> dict[str, str]:
    """provider -> plaintext key of what the tenant stored; rows sealed with an older secret are re-sealed.

    A key no configured secret opens (its secret was removed) is left out with a warning: the job then
    runs with the deployment's key, or fails saying none is configured.
    """
    if not keyring.enabled:
        return {}
    keys: dict[str, str] = {}
    for row in await store.sealed(owner_id):
        provider, version = row["provider"], row["key_version"]
        try:
            key = keyring.open(owner_id, provider, Sealed(bytes(row["ciphertext"]), version))
        except FailedPrecondition as error:
            log.warning("tenant %s: %s", owner_id, error.message)
            continue
        register_secret(key)
        keys[provider] = key
        if version != keyring.current:
            again = keyring.seal(owner_id, provider, key)
            await store.rewrap(owner_id, provider, version, again.ciphertext, again.version)
    return keys


def sealed_for_job(keys: dict[str, str], service: str, credentials_secret: str, submission: str) -> str:
    """The Studio-Credentials header of one dispatch ("" when the job gets none of the tenant's keys)."""
    wanted = {provider: keys[provider] for provider in SERVICE_PROVIDERS.get(service, ()) if provider in keys}
    if not wanted:
        return ""
    if not credentials_secret:
        log.warning(
            "a tenant's provider keys are not passed to its job: STUDIO_PROVIDER_CREDENTIALS_SECRET is not set "
            "(the job uses the deployment's keys)"
        )
        return ""
    return seal(wanted, secret_key(credentials_secret), submission)
