"""`studio providers`: the hosted providers, whether a key is configured here, their models and unit prices."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from studio.cli.errors import reported_errors
from studio.core.costs import PRICES, unit_price
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.settings import ProviderSettings
from studio.core.settings import load_settings


def providers() -> None:
    """List the hosted providers: key configured or not, API, models and their unit prices (with dates)."""
    with reported_errors():
        settings = load_settings(ProviderSettings)
    table = Table("provider", "key", "model (STUDIO_PRICES key)", "unit price", "checked", "confidence")
    for info in PROVIDERS.values():
        configured = "configured" if settings.key(info) else "not set"
        prices = [price for price in PRICES.values() if price.provider == info.name]
        for index, price in enumerate(prices):
            usd, as_of = unit_price(price.key, settings)
            first = index == 0
            table.add_row(
                info.title if first else "",
                configured if first else "",
                price.key,
                f"${usd:g} / {price.unit}",
                as_of,
                price.confidence,
            )
    Console(width=max(120, Console().width)).print(table)
    Console(stderr=True).print(
        "keys: STUDIO_<PROVIDER>_KEY or STUDIO_<PROVIDER>_KEY_FILE; prices: override with STUDIO_PRICES (JSON); "
        f"local GPU time: ${settings.gpu_usd_per_hour:g}/h (STUDIO_GPU_USD_PER_HOUR); see docs/providers.md"
    )


def register(app: typer.Typer) -> None:
    app.command()(providers)
