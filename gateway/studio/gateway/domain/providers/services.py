"""Tenants' provider keys: checked, encrypted with the at-rest secret, stored; listed by hint only."""

from __future__ import annotations

import uuid

from studio.core.costs import PRICES, unit_price
from studio.core.errors import FailedPrecondition, InvalidInput, NotFound
from studio.core.providers.catalog import PROVIDERS, provider
from studio.core.providers.secrets import register_secret
from studio.gateway.context import Gateway
from studio.gateway.domain.providers.schemas import (
    Budget,
    KeyHint,
    ProviderInfo,
    ProviderKeyRequest,
    ProviderPrice,
    StoredKey,
)
from studio.gateway.providers.keyring import NOT_ENABLED, hint


def _known(name: str) -> str:
    try:
        return provider(name).name
    except InvalidInput:
        raise InvalidInput(f"provider: unknown provider {name!r}; known: {', '.join(PROVIDERS)}") from None


def _key_text(name: str, data: ProviderKeyRequest) -> str:
    """The key as the backends take it (Kling: "ACCESS_KEY:SECRET_KEY"); 400 naming what is missing."""
    if name == "kling":
        if data.key is not None:
            raise InvalidInput("key: Kling signs with two keys; give `access_key` and `secret_key` instead of `key`")
        access, secret = (data.access_key or "").strip(), (data.secret_key or "").strip()
        if not access or not secret:
            raise InvalidInput(f"{'access_key' if not access else 'secret_key'}: empty; Kling needs both keys")
        if ":" in access:
            raise InvalidInput("access_key: a Kling access key has no ':'")
        return f"{access}:{secret}"
    if data.access_key is not None or data.secret_key is not None:
        raise InvalidInput(f"access_key, secret_key: only Kling takes two keys; give {name}'s as `key`")
    key = (data.key or "").strip()
    if not key:
        raise InvalidInput("key: empty")
    if any(ch.isspace() for ch in key):
        raise InvalidInput("key: contains whitespace; paste the key alone")
    return key


def _require_enabled(gateway: Gateway) -> None:
    if not gateway.keyring.enabled:
        raise FailedPrecondition(NOT_ENABLED)
    if not gateway.settings.providers.provider_credentials_secret.get_secret_value():
        raise FailedPrecondition(
            "provider keys are not enabled: set STUDIO_PROVIDER_CREDENTIALS_SECRET (shared with the model servers, "
            "it seals your key onto your jobs)"
        )


async def set_key(gateway: Gateway, owner_id: uuid.UUID, name: str, data: ProviderKeyRequest) -> StoredKey:
    name = _known(name)
    key = _key_text(name, data)
    _require_enabled(gateway)
    for part in (key, *key.split(":")):
        register_secret(part)  # from now on no log line of this process can carry it
    sealed = gateway.keyring.seal(owner_id, name, key)
    row = await gateway.provider_keys.put(owner_id, name, sealed.ciphertext, hint(key), sealed.version)
    return StoredKey(provider=row["provider"], hint=row["hint"], updated_at=row["updated_at"])


async def delete_key(gateway: Gateway, owner_id: uuid.UUID, name: str) -> None:
    name = _known(name)
    if not await gateway.provider_keys.delete(owner_id, name):
        raise NotFound(f"no {name} key stored for this API key")


async def list_providers(gateway: Gateway, owner_id: uuid.UUID) -> list[ProviderInfo]:
    hints = await gateway.provider_keys.hints(owner_id)
    settings = gateway.settings.providers
    out = []
    for info in PROVIDERS.values():
        prices, models = [], []
        for price in PRICES.values():
            if price.provider != info.name:
                continue
            usd, as_of = unit_price(price.key, settings)
            prices.append(ProviderPrice(price.key, price.unit, usd, as_of, price.confidence))
            models.append(price.model)
        out.append(
            ProviderInfo(
                provider=info.name,
                title=info.title,
                tenant_key=KeyHint(hints[info.name]) if info.name in hints else None,
                deployment_key=bool(settings.key(info)),
                models=models,
                prices=prices,
            )
        )
    return out


async def budget_of(gateway: Gateway, owner_id: uuid.UUID) -> Budget:
    async with gateway.pool.acquire() as conn:
        state = await gateway.budget.state(conn, owner_id)
    return Budget(
        monthly_usd=state.monthly_usd,
        spent_usd=round(state.spent_usd, 6),
        reserved_usd=round(state.reserved_usd, 6),
        month=state.month,
    )
