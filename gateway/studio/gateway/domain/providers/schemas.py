"""Shapes of the provider and budget endpoints. A stored key is never part of any answer: only its hint."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from studio.gateway.requests import RequestBody

KeyText = Annotated[str, msgspec.Meta(max_length=4096)]


class ProviderKeyRequest(RequestBody):
    """The provider's API key; Kling signs with two, given as `access_key` and `secret_key` instead."""

    key: KeyText | None = None
    access_key: KeyText | None = None
    secret_key: KeyText | None = None


class StoredKey(msgspec.Struct):
    provider: str
    #: The key's last four characters ("…9f2c"): the key itself is never shown again.
    hint: str
    updated_at: datetime


class KeyHint(msgspec.Struct):
    hint: str


class ProviderPrice(msgspec.Struct):
    #: "<provider>:<model>", the STUDIO_PRICES key.
    key: str
    unit: str
    usd: float
    #: When the price was checked ("" when overridden in STUDIO_PRICES).
    as_of: str
    #: official, third-party, unconfirmed
    confidence: str


class ProviderInfo(msgspec.Struct):
    provider: str
    title: str
    #: Your own key (PUT /api/v1/providers/{provider}/key), used for your jobs instead of the deployment's.
    tenant_key: KeyHint | None
    #: Whether the deployment configured a key of its own (STUDIO_<PROVIDER>_KEY).
    deployment_key: bool
    models: list[str]
    prices: list[ProviderPrice]


class BudgetRequest(RequestBody):
    monthly_usd: Annotated[
        float, msgspec.Meta(ge=0, le=1_000_000, description="US dollars per calendar month (UTC), kept to the cent")
    ]


class Budget(msgspec.Struct):
    #: null: no budget applies (neither your own nor the deployment's default).
    monthly_usd: float | None
    #: What your jobs completed this month cost.
    spent_usd: float
    #: What your queued and running jobs are estimated to cost.
    reserved_usd: float
    #: "2026-12"
    month: str
