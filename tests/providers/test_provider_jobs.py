"""Every hosted provider against its local fake: the happy path and each way a provider job goes wrong.

Jobs run through the services' own operations (what a job worker and embedded
mode call), so these check the whole path: request, retries, polling, progress,
cancel, timeout, safe download, storage and cost.
"""

from __future__ import annotations

import pytest

from studio.core.errors import Cancelled, FailedPrecondition, InvalidInput, ProviderFailed
from studio.core.providers.download import RefusedAddress
from studio.v1.common_pb2 import Progress
from tests.providers.conftest import PublicStore, provider_settings, put_png
from tests.providers.drivers import DRIVERS, Driver, run
from tests.providers.fakes.server import FakeProviders

QUEUED = [d for d in DRIVERS if d.queued]
WITH_URLS = [d for d in DRIVERS if d.result_url]


async def _still(driver: Driver, store: PublicStore):  # type: ignore[no-untyped-def]
    return await put_png(store) if driver.service == "video" else None


@pytest.mark.parametrize("driver", DRIVERS, ids=str)
async def test_happy_path_stores_the_result_and_records_its_cost(
    driver: Driver, fakes: FakeProviders, store: PublicStore
) -> None:
    result = await run(driver, store, provider_settings(fakes), await _still(driver, store))
    stored = (
        result.images[0].image
        if driver.service == "image"
        else result.audio
        if driver.service == "audio"
        else result.video
    )
    assert await store.exists(stored.key) and stored.size > 0
    assert "127.0.0.1" not in str(result) and "/files/" not in str(result)  # no provider URL reaches the caller
    assert result.backend == driver.provider
    assert result.cost.usd > 0 and result.cost.items[0].provider == driver.provider
    if driver.result_url:  # the provider's original is kept as delivered, under the run's provider/ folder
        assert list((store.root / store.bucket / "runs").glob("*/*/provider/*"))  # runs/<job>/<attempt>/provider/
    if driver.service == "video":
        assert (result.width, result.height, result.frames) == (320, 180, 20)


@pytest.mark.parametrize("driver", QUEUED, ids=str)
async def test_queue_position_and_status_become_progress(
    driver: Driver, fakes: FakeProviders, store: PublicStore
) -> None:
    progress: list[Progress] = []
    await run(driver, store, provider_settings(fakes), await _still(driver, store), progress=progress)
    stages = [p.stage for p in progress]
    assert "queued" in stages and "generating" in stages and "fetching" in stages
    assert stages.index("queued") < stages.index("generating") < stages.index("fetching")
    fractions = [p.fraction for p in progress]
    assert fractions == sorted(fractions)  # never goes backwards
    if driver.provider == "fal":  # fal reports the queue position
        assert any("position 1" in p.message for p in progress) and any("position 0" in p.message for p in progress)


def test_elevenlabs_speaks_synchronously_so_it_has_no_queue() -> None:
    assert [d.provider for d in DRIVERS if not d.queued] == ["elevenlabs"]


@pytest.mark.parametrize("driver", DRIVERS, ids=str)
async def test_a_wrong_key_is_a_clear_error_naming_the_setting(
    driver: Driver, fakes: FakeProviders, store: PublicStore
) -> None:
    field = {"kling": "kling_secret_key"}.get(driver.provider, f"{driver.provider}_key")
    settings = provider_settings(fakes, **{field: "definitely-not-the-key-000-but-long-enough"})
    with pytest.raises(FailedPrecondition) as caught:
        await run(driver, store, settings, await _still(driver, store))
    assert "refused the key" in caught.value.message and "STUDIO_" in caught.value.message
    assert "definitely-not-the-key-000-but-long-enough" not in caught.value.message


@pytest.mark.parametrize("driver", DRIVERS, ids=str)
async def test_no_key_configured_fails_before_any_request(
    driver: Driver, fakes: FakeProviders, store: PublicStore
) -> None:
    fields = ("kling_access_key", "kling_secret_key") if driver.provider == "kling" else (f"{driver.provider}_key",)
    settings = provider_settings(fakes, **dict.fromkeys(fields, ""))
    with pytest.raises(FailedPrecondition, match=r"no .* key is configured; set STUDIO_"):
        await run(driver, store, settings, await _still(driver, store))
    assert fakes.calls(driver.provider) == []


@pytest.mark.parametrize("driver", DRIVERS, ids=str)
async def test_429_is_retried_after_the_wait_the_provider_asks_for(
    driver: Driver, fakes: FakeProviders, store: PublicStore, waits: list[float]
) -> None:
    fakes.scenario[driver.provider] = "rate_limited"
    result = await run(driver, store, provider_settings(fakes), await _still(driver, store))
    assert result.cost.usd > 0
    # MiniMax signals rate limits in a 200 body without Retry-After: exponential backoff instead.
    assert waits[0] == 1.0 if driver.provider != "minimax" else 0 < waits[0] <= 1.0


async def test_a_retry_after_longer_than_allowed_fails_at_once(
    fakes: FakeProviders, store: PublicStore, waits: list[float]
) -> None:
    from studio.core.errors import Overloaded

    fakes.scenario["fal"] = "rate_limited"
    settings = provider_settings(fakes, provider_retry_max_wait=0.5)
    with pytest.raises(Overloaded, match=r"rate limiting .*asks to wait 1 s"):
        await run(DRIVERS[0], store, settings)
    assert waits == []


@pytest.mark.parametrize("driver", DRIVERS, ids=str)
async def test_refused_content_is_a_clear_error_and_not_retried(
    driver: Driver, fakes: FakeProviders, store: PublicStore, waits: list[float]
) -> None:
    fakes.scenario[driver.provider] = "policy"
    with pytest.raises(InvalidInput) as caught:
        await run(driver, store, provider_settings(fakes), await _still(driver, store))
    message = caught.value.message
    assert "refused the content" in message or "safety" in message
    assert waits == []
    creates = [r for r in fakes.requests if r.provider == driver.provider and r.method == "POST"]
    assert len(creates) == 1  # asked once: a refusal is not retried


@pytest.mark.parametrize("driver", DRIVERS, ids=str)
async def test_a_job_failing_at_the_provider_is_reported(
    driver: Driver, fakes: FakeProviders, store: PublicStore, waits: list[float]
) -> None:
    fakes.scenario[driver.provider] = "fail"
    expected = (ProviderFailed,) if driver.queued else (ProviderFailed, Exception)
    with pytest.raises(expected) as caught:
        await run(driver, store, provider_settings(fakes), await _still(driver, store))
    assert getattr(caught.value, "message", "")  # a message a person can read
    runs = store.root / store.bucket / "runs"
    assert not [path for pattern in ("image*.png", "clip.mp4", "speech*") for path in runs.glob(f"**/{pattern}")]


@pytest.mark.parametrize("driver", QUEUED, ids=str)
async def test_a_job_past_the_timeout_is_cancelled_at_the_provider(
    driver: Driver, fakes: FakeProviders, store: PublicStore
) -> None:
    fakes.scenario[driver.provider] = "slow"
    with pytest.raises(ProviderFailed, match=r"did not finish within 0\.3 s"):
        await run(driver, store, provider_settings(fakes, provider_timeout=0.3), await _still(driver, store))
    assert len(fakes.cancelled(driver.provider)) == (1 if driver.cancels else 0)


async def test_a_synchronous_request_past_its_timeout_fails(
    fakes: FakeProviders, store: PublicStore, waits: list[float]
) -> None:
    fakes.scenario["elevenlabs"] = "slow"  # the fake answers after 3 s
    from studio.core.errors import Unavailable

    driver = next(d for d in DRIVERS if d.provider == "elevenlabs")
    with pytest.raises(Unavailable, match="no answer"):
        await run(driver, store, provider_settings(fakes, provider_request_timeout=0.3, provider_retries=1))


@pytest.mark.parametrize("driver", QUEUED, ids=str)
async def test_cancelling_the_run_cancels_the_provider_job(
    driver: Driver, fakes: FakeProviders, store: PublicStore
) -> None:
    fakes.scenario[driver.provider] = "slow"
    with pytest.raises(Cancelled, match="cancelled"):
        await run(
            driver, store, provider_settings(fakes), await _still(driver, store),
            cancelled=lambda: len(fakes.calls(driver.provider)) >= 4,
        )  # fmt: skip
    # Kling and MiniMax have no cancel endpoint: their jobs are abandoned.
    assert len(fakes.cancelled(driver.provider)) == (1 if driver.cancels else 0)


@pytest.mark.parametrize("driver", WITH_URLS, ids=str)
async def test_an_expired_result_url_is_a_clear_error(driver: Driver, fakes: FakeProviders, store: PublicStore) -> None:
    fakes.scenario[driver.provider] = "expired"
    with pytest.raises(ProviderFailed, match="expired or is unreachable"):
        await run(driver, store, provider_settings(fakes), await _still(driver, store))


@pytest.mark.parametrize("driver", WITH_URLS, ids=str)
async def test_an_unreachable_result_url_is_a_clear_error(
    driver: Driver, fakes: FakeProviders, store: PublicStore, waits: list[float]
) -> None:
    fakes.scenario[driver.provider] = "unreachable"
    with pytest.raises(ProviderFailed, match="could not be fetched"):
        await run(driver, store, provider_settings(fakes), await _still(driver, store))
    assert len(waits) == 2  # retried like any unanswered request, then given up


@pytest.mark.parametrize("driver", WITH_URLS, ids=str)
async def test_a_result_url_at_a_private_address_is_refused(
    driver: Driver, fakes: FakeProviders, store: PublicStore
) -> None:
    fakes.scenario[driver.provider] = "private"
    with pytest.raises(RefusedAddress, match="non-public address"):
        await run(driver, store, provider_settings(fakes), await _still(driver, store))
