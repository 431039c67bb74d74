"""The gateway side of hosted providers, over the distributed stack with the fake providers.

Tenants' keys (stored encrypted, sealed onto their jobs, never shown again), what jobs
cost, monthly budgets, the estimate route, and /readyz's provider report. The leak test
runs a tenant's job end to end and searches every place a key could escape to.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import pytest
from pydantic import SecretStr

from studio.core.errors import FailedPrecondition
from studio.gateway.providers.keyring import KeyRing, Sealed
from studio.gateway.providers.reachability import ProviderProbe
from studio.gateway.providers.tenant_keys import open_keys
from studio.gateway.store.provider_keys import ProviderKeyStore
from studio.pipeline.estimate import estimate_embedded
from studio.pipeline.screenplay import load_screenplay, with_backends
from studio.sdk.estimate import estimate as sdk_estimate
from tests.conftest import NATS_URL
from tests.gateway.test_webhooks import Receiver
from tests.providers.fakes.server import KEYS
from tests.providers.stack import KEYS_SECRET, OLD_KEYS_SECRET, ProviderStack

pytestmark = pytest.mark.slow

LUNA = Path(__file__).resolve().parents[2] / "examples" / "luna.yaml"
HOSTED = {"image": "fal", "speech": "elevenlabs", "animation": "kling", "music": "replicate"}
FAL_IMAGE = {"prompt": "a fox in the snow", "width": 512, "height": 512, "seed": 3, "backend": "fal"}


@pytest.fixture
async def tenant(hosted_stack: ProviderStack) -> AsyncIterator[tuple[httpx.AsyncClient, uuid.UUID]]:
    key, owner = await hosted_stack.new_key()
    async with httpx.AsyncClient(
        base_url=hosted_stack.url, headers={"Authorization": f"Bearer {key}"}, timeout=60
    ) as http:
        yield http, owner


async def finished(http: httpx.AsyncClient, job_id: str, timeout: float = 60) -> dict[str, Any]:
    for _ in range(int(timeout / 0.1)):
        job: dict[str, Any] = (await http.get(f"/api/v1/jobs/{job_id}")).json()
        if job["status"] in ("completed", "failed", "cancelled"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


# -- 1. tenants' keys ---------------------------------------------------------------------------------


async def test_a_tenant_stores_lists_and_forgets_its_keys(
    hosted_stack: ProviderStack, tenant: tuple[httpx.AsyncClient, uuid.UUID]
) -> None:
    http, owner = tenant
    stored = await http.put("/api/v1/providers/fal/key", json={"key": "tenant-fal-key-abcd9f2c"})
    assert stored.status_code == 200, stored.text
    assert stored.json()["provider"] == "fal" and stored.json()["hint"] == "…9f2c"
    kling = await http.put("/api/v1/providers/kling/key", json={"access_key": "ak-tenant-1", "secret_key": "sk-xyz-77"})
    assert kling.status_code == 200 and kling.json()["hint"] == "…z-77"

    listed = {p["provider"]: p for p in (await http.get("/api/v1/providers")).json()}
    assert set(listed) == {"fal", "replicate", "elevenlabs", "kling", "runway", "luma", "minimax"}
    assert listed["fal"]["tenant_key"] == {"hint": "…9f2c"} and listed["fal"]["deployment_key"] is True
    assert listed["runway"]["tenant_key"] is None
    assert "fal-ai/flux/schnell" in listed["fal"]["models"]
    assert {"key", "unit", "usd", "as_of", "confidence"} <= set(listed["fal"]["prices"][0])

    conn = await asyncpg.connect(hosted_stack.database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM provider_keys WHERE owner_id = $1 AND provider = 'fal'", owner)
    finally:
        await conn.close()
    assert b"tenant-fal-key" not in bytes(row["ciphertext"]) and row["hint"] == "…9f2c"

    assert (await http.delete("/api/v1/providers/fal/key")).status_code == 204
    again = await http.delete("/api/v1/providers/fal/key")
    assert again.status_code == 404 and again.json()["detail"] == "no fal key stored for this API key"


@pytest.mark.parametrize(
    ("provider", "body", "detail"),
    [
        ("dalle", {"key": "x" * 12}, "provider: unknown provider 'dalle'; known: fal, replicate, elevenlabs, kling"),
        ("fal", {"key": "  "}, "key: empty"),
        ("kling", {"key": "one-key-only"}, "key: Kling signs with two keys"),
        ("kling", {"access_key": "ak"}, "secret_key: empty"),
        ("fal", {"access_key": "a", "secret_key": "b"}, "access_key, secret_key: only Kling takes two keys"),
        ("fal", {"key": "abc", "colour": 1}, "unknown field `colour`"),
    ],
)
async def test_bad_keys_are_refused_and_nothing_is_stored(
    hosted_stack: ProviderStack, tenant: tuple[httpx.AsyncClient, uuid.UUID], provider: str, body: Any, detail: str
) -> None:
    http, _ = tenant
    answer = await http.put(f"/api/v1/providers/{provider}/key", json=body)
    assert answer.status_code == 400 and detail in answer.json()["detail"], answer.text
    assert all(p["tenant_key"] is None for p in (await http.get("/api/v1/providers")).json())


async def test_without_the_at_rest_secret_the_key_routes_answer_409(
    hosted_stack: ProviderStack, tenant: tuple[httpx.AsyncClient, uuid.UUID]
) -> None:
    http, _ = tenant
    with hosted_stack.stack.overridden(provider_keys_secret=SecretStr("")):
        answer = await http.put("/api/v1/providers/fal/key", json={"key": "tenant-fal-key-0000"})
    assert answer.status_code == 409
    assert answer.json()["detail"] == "provider keys are not enabled: set STUDIO_PROVIDER_KEYS_SECRET"


async def test_the_keyring_binds_keys_to_their_owner_and_rotates(hosted_stack: ProviderStack) -> None:
    owner, other = uuid.uuid4(), uuid.uuid4()
    old = KeyRing(OLD_KEYS_SECRET)
    sealed = old.seal(owner, "fal", "tenant-key-rotated-1")
    ring = KeyRing(f"{KEYS_SECRET},{OLD_KEYS_SECRET}")
    assert ring.open(owner, "fal", sealed) == "tenant-key-rotated-1"  # an older secret still opens its rows
    with pytest.raises(FailedPrecondition):
        ring.open(other, "fal", sealed)  # copied onto another tenant's row, it does not open
    with pytest.raises(FailedPrecondition):
        ring.open(owner, "replicate", sealed)
    with pytest.raises(FailedPrecondition):
        KeyRing(KEYS_SECRET).open(owner, "fal", sealed)  # its secret removed: it cannot be opened

    # Read at dispatch, a row sealed with the older secret is sealed again with the newest.
    _, owner_id = await hosted_stack.new_key("rotation")
    pool = await asyncpg.create_pool(hosted_stack.database_url, min_size=1, max_size=2)
    try:
        store = ProviderKeyStore(pool)
        stale = old.seal(owner_id, "fal", "tenant-key-rotated-2")
        await store.put(owner_id, "fal", stale.ciphertext, "…ed-2", stale.version)
        assert await open_keys(store, ring, owner_id) == {"fal": "tenant-key-rotated-2"}
        (row,) = await store.sealed(owner_id)
        assert row["key_version"] == ring.current != stale.version
        assert KeyRing(KEYS_SECRET).open(owner_id, "fal", Sealed(bytes(row["ciphertext"]), row["key_version"])) == (
            "tenant-key-rotated-2"
        )
    finally:
        await pool.close()


# -- 1 + 2 + 6. a tenant's job: its key reaches the provider, its cost is recorded, no key escapes ----


async def test_a_tenants_key_reaches_the_provider_and_appears_nowhere_else(
    hosted_stack: ProviderStack,
    tenant: tuple[httpx.AsyncClient, uuid.UUID],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    http, owner = tenant
    fake = hosted_stack.fake
    secret = f"tenant-fal-{uuid.uuid4().hex}"
    fake.tenant_keys.add(secret)
    receiver = Receiver()
    nc = await nats.connect(NATS_URL)
    seen: list[tuple[str, bytes, dict[str, str]]] = []

    async def capture(msg: Any) -> None:
        seen.append((msg.subject, msg.data, dict(msg.headers or {})))

    await nc.subscribe(f"{hosted_stack.stack.prefix}.>", cb=capture)
    answers: list[str] = []
    try:
        assert (await http.put("/api/v1/providers/fal/key", json={"key": secret})).status_code == 200
        hook = await http.post("/api/v1/webhooks", json={"url": receiver.url})
        assert hook.status_code == 201, hook.text
        before = len(fake.calls("fal"))
        accepted = await http.post("/api/v1/image/generate", json=FAL_IMAGE)
        assert accepted.status_code == 202, accepted.text
        job = await finished(http, accepted.json()["id"])
        assert job["status"] == "completed", job
        sent = {r.headers.get("authorization") for r in fake.calls("fal")[before:]}
        assert sent == {f"Key {secret}"}  # the tenant's key, never the deployment's

        # 2. the cost the service reported is recorded on the job
        cost = job["cost"]
        assert cost["usd"] > 0 and cost["usd"] == pytest.approx(sum(item["usd"] for item in cost["items"]))
        assert cost["items"][0]["provider"] == "fal" and cost["items"][0]["model"] == "fal-ai/flux/schnell"
        metrics = (await http.get("/metrics")).text
        assert 'studio_job_cost_usd_total{backend="fal",basis="' in metrics

        # An error that quotes the key back (a careless provider) reaches the user redacted.
        fake.scenario["fal"] = "echo_key"
        failing = await http.post("/api/v1/image/generate", json=FAL_IMAGE, headers={"Prefer": "wait=30"})
        answers.append(failing.text)
        assert failing.status_code == 422 and "[redacted]" in failing.json()["detail"], failing.text
        await receiver.wait_for(2)
        for path in ("/api/v1/jobs", f"/api/v1/jobs/{job['id']}", "/api/v1/providers", "/api/v1/budget"):
            answer = await http.get(path)
            assert answer.status_code == 200
            answers.append(answer.text)
        answers.append((await http.put("/api/v1/providers/fal/key", json={"key": secret + " x"})).text)  # a 400
    finally:
        fake.scenario["fal"] = "ok"
        await nc.drain()
        receiver.server.shutdown()

    conn = await asyncpg.connect(hosted_stack.database_url)
    try:
        rows = await conn.fetch(
            "SELECT parameters::text, payload, result::text, error_message, cost::text FROM generation_jobs "
            "WHERE owner_id = $1",
            owner,
        )
        deliveries = await conn.fetch("SELECT payload::text FROM webhook_deliveries WHERE owner_id = $1", owner)
        stored = await conn.fetchval("SELECT ciphertext FROM provider_keys WHERE owner_id = $1", owner)
    finally:
        await conn.close()
    raw = secret.encode()
    assert len(rows) == 2 and len(deliveries) == 2
    for row in rows:
        assert raw not in bytes(row["payload"])
        assert all(secret not in (row[column] or "") for column in ("parameters", "result", "error_message", "cost"))
    assert all(secret not in delivery["payload"] for delivery in deliveries)
    assert raw not in bytes(stored)
    job_messages = [(subject, data, headers) for subject, data, headers in seen if ".jobs." in subject]
    assert job_messages and all("Studio-Credentials" in headers for _, _, headers in job_messages)
    for _, data, headers in seen:  # job messages, their sealed headers, and every event
        assert raw not in data and secret not in repr(headers)
        sealed = headers.get("Studio-Credentials", "")
        assert raw not in base64.urlsafe_b64decode(sealed.encode() + b"==") if sealed else True
    for headers, body in receiver.deliveries:
        assert raw not in body and secret not in repr(headers)
    assert all(secret not in answer for answer in answers)
    assert secret not in caplog.text


# -- 3. budgets ---------------------------------------------------------------------------------------


async def test_a_job_over_the_monthly_budget_is_refused_with_402_and_nothing_is_created(
    tenant: tuple[httpx.AsyncClient, uuid.UUID],
) -> None:
    http, _ = tenant
    budget = (await http.get("/api/v1/budget")).json()
    assert budget["monthly_usd"] is None and budget["spent_usd"] == 0 and budget["reserved_usd"] == 0
    assert (await http.put("/api/v1/budget", json={"monthly_usd": 0})).json()["monthly_usd"] == 0.0
    refused = await http.post("/api/v1/image/generate", json=FAL_IMAGE)
    assert refused.status_code == 402, refused.text
    problem = refused.json()
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert problem["type"] == "/problems/budget-exceeded" and problem["title"] == "Monthly budget exceeded"
    assert problem["detail"].startswith("this job would cost $0.0030 (estimate); $0.00 of your $0.00 budget for ")
    assert "raise the budget (PUT /api/v1/budget) or wait until " in problem["detail"]
    assert problem["budget_usd"] == 0.0 and problem["estimate_usd"] == pytest.approx(0.003)
    assert (await http.get("/api/v1/jobs")).json()["items"] == []

    assert (await http.put("/api/v1/budget", json={"monthly_usd": 1})).status_code == 200
    accepted = await http.post("/api/v1/image/generate", json=FAL_IMAGE)
    assert accepted.status_code == 202
    job = await finished(http, accepted.json()["id"])
    budget = (await http.get("/api/v1/budget")).json()
    assert budget["monthly_usd"] == 1.0 and budget["spent_usd"] == pytest.approx(job["cost"]["usd"])
    assert budget["reserved_usd"] == 0
    assert (await http.put("/api/v1/budget", json={"monthly_usd": -1})).status_code == 400


async def test_retrying_a_job_counts_against_the_budget_like_submitting_it(
    hosted_stack: ProviderStack, tenant: tuple[httpx.AsyncClient, uuid.UUID]
) -> None:
    """A retry is new work: over the budget it is a 402 too, and no new job is made."""
    http, _ = tenant
    assert (await http.put("/api/v1/budget", json={"monthly_usd": 1})).status_code == 200
    hosted_stack.fake.scenario["fal"] = "fail"
    try:
        accepted = await http.post("/api/v1/image/generate", json=FAL_IMAGE)
        assert accepted.status_code == 202, accepted.text
        failed = await finished(http, accepted.json()["id"])
    finally:
        hosted_stack.fake.scenario["fal"] = "ok"
    assert failed["status"] == "failed" and failed["cost"] is None
    assert (await http.put("/api/v1/budget", json={"monthly_usd": 0})).status_code == 200
    refused = await http.post(f"/api/v1/jobs/{failed['id']}/retry")
    assert refused.status_code == 402, refused.text
    assert refused.json()["detail"].startswith("retrying this job would cost $0.0030 (estimate)")
    assert [job["id"] for job in (await http.get("/api/v1/jobs")).json()["items"]] == [failed["id"]]

    assert (await http.put("/api/v1/budget", json={"monthly_usd": 1})).status_code == 200
    retried = await http.post(f"/api/v1/jobs/{failed['id']}/retry")
    assert retried.status_code == 202, retried.text
    assert (await finished(http, retried.json()["id"]))["status"] == "completed"


# -- 4. the estimate route ----------------------------------------------------------------------------


async def test_the_estimate_route_prices_like_the_services_and_fits_the_budget(
    tenant: tuple[httpx.AsyncClient, uuid.UUID],
) -> None:
    http, _ = tenant
    screenplay = load_screenplay(LUNA)
    embedded = estimate_embedded(with_backends(screenplay, HOSTED))
    answer = await http.post("/api/v1/studio/estimate", json={"screenplay": screenplay.to_data(), "backends": HOSTED})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["currency"] == "USD" and body["total"] == pytest.approx(embedded.usd) and body["basis"] == "estimate"
    assert [(s["id"], s["backend"], s["cost"]["usd"]) for s in body["steps"]] == [
        (s.id, s.backend, pytest.approx(s.cost.usd)) for s in embedded.steps
    ]
    assert body["budget"]["fits"] is True and body["budget"]["monthly_usd"] is None

    await http.put("/api/v1/budget", json={"monthly_usd": 0.5})
    body = {"screenplay": screenplay.to_data(), "backends": HOSTED}
    assert (await http.post("/api/v1/studio/estimate", json=body)).json()["budget"]["fits"] is False
    body["backends"] = {"image": "dalle"}
    unknown = await http.post("/api/v1/studio/estimate", json=body)
    assert unknown.status_code == 400 and "dalle" in unknown.json()["detail"]
    briefing = await http.post("/api/v1/studio/estimate", json={"briefing": {"text": "a fox"}})
    assert briefing.status_code == 400 and "an estimate needs a screenplay" in briefing.json()["detail"]


async def test_the_sdk_estimates_with_a_server_through_the_route(hosted_stack: ProviderStack) -> None:
    key, _ = await hosted_stack.new_key("sdk")
    embedded = estimate_embedded(with_backends(load_screenplay(LUNA), HOSTED))
    remote = await asyncio.to_thread(sdk_estimate, LUNA, backends=HOSTED, server=hosted_stack.url, key=key)
    assert remote.usd == pytest.approx(embedded.usd)
    assert [(s.id, s.name, s.backend) for s in remote.steps] == [(s.id, s.name, s.backend) for s in embedded.steps]
    assert [len(s.cost.items) for s in remote.steps] == [len(s.cost.items) for s in embedded.steps]


# -- 5. /readyz ---------------------------------------------------------------------------------------


async def test_readyz_reports_providers_and_never_fails_for_them(hosted_stack: ProviderStack) -> None:
    gateway = hosted_stack.stack.gateway
    assert gateway is not None
    async with httpx.AsyncClient(base_url=hosted_stack.url, timeout=30) as http:
        gateway.provider_probe = ProviderProbe()
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        providers = ready.json()["providers"]
        assert providers["fal"]["deployment_key"] is True and providers["fal"]["reachable"] is True
        assert isinstance(providers["fal"]["latency_ms"], int)
        down = gateway.settings.providers.model_copy(update={"fal_url": "http://127.0.0.1:9/fal"})
        with hosted_stack.stack.overridden(providers=down):
            gateway.provider_probe = ProviderProbe()
            ready = await http.get("/readyz")
        gateway.provider_probe = ProviderProbe()
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    fal = ready.json()["providers"]["fal"]
    assert fal["reachable"] is False and fal["error"].startswith("fal.ai: no answer (")
    assert KEYS["fal"] not in ready.text


def test_render_estimate_with_a_server_prints_the_studios_prices(hosted_stack: ProviderStack) -> None:
    from typer.testing import CliRunner

    from studio.cli.main import app

    key, _ = asyncio.run(hosted_stack.new_key("cli"))
    flags = [arg for kind, name in HOSTED.items() for arg in ("--backend", f"{kind}={name}")]
    result = CliRunner().invoke(
        app,
        ["--server", hosted_stack.url, "--key", key, "render", str(LUNA), "--estimate", *flags],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    total = estimate_embedded(with_backends(load_screenplay(LUNA), HOSTED)).usd
    assert f"${total:.4f}" in result.output and "kling" in result.output
