"""One small real job per hosted provider, with the keys in the environment (costs a few cents each).

Skipped unless the provider's key is set (STUDIO_FAL_KEY, ...): run them with
`STUDIO_FAL_KEY=... .venv/bin/pytest -m provider tests/providers/test_real_providers.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studio.core.artifacts import open_store
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.settings import ProviderSettings
from studio.core.settings import StudioSettings
from tests.providers.conftest import PublicStore, put_png
from tests.providers.drivers import DRIVERS, Driver, run

pytestmark = pytest.mark.provider


def _keys_set(provider: str) -> bool:
    return all(os.environ.get(f"STUDIO_{field.upper()}") for field in PROVIDERS[provider].key_fields)


@pytest.mark.parametrize("driver", DRIVERS, ids=str)
async def test_a_real_job(driver: Driver, tmp_path: Path) -> None:
    if not _keys_set(driver.provider):
        pytest.skip(f"no key for {driver.provider}: set {PROVIDERS[driver.provider].key_variables()}")
    if driver.provider == "luma" and not os.environ.get("STUDIO_S3_PUBLIC_ENDPOINT"):
        pytest.skip("Luma fetches the still by URL: needs the S3 store with a public endpoint")
    store = PublicStore(tmp_path / "artifacts") if driver.provider != "luma" else open_store(StudioSettings())
    still = await put_png(store) if driver.service == "video" else None
    result = await run(driver, store, ProviderSettings(), still)
    assert result.cost.usd > 0
