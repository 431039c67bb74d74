"""/api/v1/providers (tenants' own keys, the provider listing) and /api/v1/budget."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, put
from litestar.params import Parameter

from studio.core.providers.catalog import PROVIDERS
from studio.gateway.context import Gateway
from studio.gateway.domain.providers.schemas import Budget, BudgetRequest, ProviderInfo, ProviderKeyRequest, StoredKey
from studio.gateway.domain.providers.services import budget_of, delete_key, set_key
from studio.gateway.domain.providers.services import list_providers as providers_of

#: Checked by the service (a wrong name is answered with the known ones); listed as an enum in the document.
ProviderName = Annotated[
    str, Parameter(max_length=32, description=", ".join(PROVIDERS), schema_extra={"enum": list(PROVIDERS)})
]


class ProviderController(Controller):
    path = "/api/v1/providers"
    tags = ("providers",)

    @get(
        "",
        operation_id="list_providers",
        summary="The hosted providers: your key (its hint), whether the deployment has one, models and unit prices",
    )
    async def list_providers(self, gateway: Gateway, owner: uuid.UUID) -> list[ProviderInfo]:
        return await providers_of(gateway, owner)

    @put(
        "/{provider:str}/key",
        operation_id="set_provider_key",
        summary="Store your own key for a provider (used for your jobs instead of the deployment's)",
        description="The key is encrypted at rest (AES-256-GCM, STUDIO_PROVIDER_KEYS_SECRET) and never shown "
        "again: answers, jobs, events, webhooks and logs carry only its last four characters. Kling takes "
        "`access_key` and `secret_key`; the others `key`. 409 when the deployment has not enabled tenant keys.",
        status_code=200,
    )
    async def set_key(
        self, gateway: Gateway, owner: uuid.UUID, provider: ProviderName, data: ProviderKeyRequest
    ) -> StoredKey:
        return await set_key(gateway, owner, provider, data)

    @delete("/{provider:str}/key", operation_id="delete_provider_key", summary="Forget your key for a provider")
    async def delete_key(self, gateway: Gateway, owner: uuid.UUID, provider: ProviderName) -> None:
        await delete_key(gateway, owner, provider)


class BudgetController(Controller):
    path = "/api/v1/budget"
    tags = ("providers",)

    @get("", operation_id="get_budget", summary="Your monthly budget, and what this month's jobs spent and reserve")
    async def get_budget(self, gateway: Gateway, owner: uuid.UUID) -> Budget:
        return await budget_of(gateway, owner)

    @put(
        "",
        operation_id="set_budget",
        summary="Set your monthly budget",
        description="A job or production that would take this month's spending (completed jobs) plus what "
        "unfinished jobs reserve past it is refused with 402, and nothing is created.",
        status_code=200,
    )
    async def set_budget(self, gateway: Gateway, owner: uuid.UUID, data: BudgetRequest) -> Budget:
        await gateway.budget.set(owner, data.monthly_usd)
        return await budget_of(gateway, owner)
