"""Provider keys stay secret: from settings or secret files, per request, and never in logs, errors, payloads or events.

The check runs real jobs through the service side exactly as deployed: a JobWorker
pulling from JetStream runs the image service's fal backend against the fake, and
every byte that leaves it (job messages, events, log records, stored artifacts) is
searched for the key.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from studio.core.artifacts.local import LocalArtifactStore
from studio.core.errors import FailedPrecondition
from studio.core.jobs import JobTransport, JobWorker
from studio.core.jobs.transport import event_kind
from studio.core.providers.credentials import seal, secret_key
from studio.core.providers.secrets import REDACTED, redact, register_secret, resolve_key
from studio.core.providers.settings import ProviderSettings
from studio.core.settings import reset_settings_cache
from studio.image.service import build_service
from studio.image.settings import ImageSettings
from studio.v1.image_pb2 import GenerateRequest
from tests.core.test_jobs import events_until_quiet
from tests.providers.conftest import provider_settings
from tests.providers.drivers import BY_NAME, run
from tests.providers.fakes.server import KEYS, FakeProviders


async def test_keys_never_appear_in_logs_errors_payloads_or_events(
    transport: JobTransport, fakes: FakeProviders, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    key = KEYS["fal"].encode()
    store = LocalArtifactStore(tmp_path / "artifacts")
    service = build_service(store, ImageSettings(), providers=provider_settings(fakes))
    worker = JobWorker(transport, service, store, concurrency=2)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        request = GenerateRequest(prompt="a fox", width=256, height=256, seed=1, backend="fal")
        done, _ = await transport.submit("image", "generate", request)
        await transport.wait(done, timeout=60)
        fakes.scenario["fal"] = "echo_key"  # the provider quotes the key back in its error
        echoed, _ = await transport.submit("image", "generate", request)
        events = await events_until_quiet(transport, done, 0) + await events_until_quiet(transport, echoed, 0)
    finally:
        stop.set()
        await running

    assert [event_kind(e) for e in events if event_kind(e) in ("completed", "failed")] == ["completed", "failed"]
    completed = next(e.completed for e in events if event_kind(e) == "completed")
    assert completed.cost.usd > 0  # the job record gets its cost
    failure = next(e.failed for e in events if event_kind(e) == "failed")
    assert REDACTED in failure.message and "fal.ai rejected the request" in failure.message
    for event in events:
        assert key not in event.SerializeToString()
    stream = transport.names.jobs_stream
    info = await transport.js.stream_info(stream)
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await transport.js.get_msg(stream, seq)
        assert key not in (message.data or b"") and key not in repr(message.headers).encode()
    assert KEYS["fal"] not in caplog.text
    assert all(KEYS["fal"] not in record.getMessage() for record in caplog.records)
    for path in (tmp_path / "artifacts").rglob("*"):
        if path.is_file():
            assert key not in path.read_bytes()
    assert any(r.headers.get("authorization") == f"Key {KEYS['fal']}" for r in fakes.calls("fal"))  # it was used


async def test_a_request_may_bring_its_own_key(fakes: FakeProviders, tmp_path: Path) -> None:
    """What the gateway will pass for a tenant's own key: ctx.credentials wins over the deployment's key."""
    from studio.core.operations import OperationContext as Context

    settings = provider_settings(fakes, fal_key="the-deployment-key-0000")
    store = LocalArtifactStore(tmp_path / "artifacts")
    service = build_service(store, ImageSettings(), providers=settings)
    ctx = Context(artifacts=store, credentials={"fal": SecretStr(KEYS["fal"])})
    request = GenerateRequest(prompt="a fox", width=256, height=256, seed=1, backend="fal")
    result = await service.operation("Generate").invoke(request, ctx)
    assert result.images[0].image.key
    assert {r.headers["authorization"] for r in fakes.calls("fal")} == {f"Key {KEYS['fal']}"}


def test_keys_from_secret_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "fal"
    secret.write_text("file-held-key-12345\n")
    monkeypatch.setenv("STUDIO_FAL_KEY_FILE", str(secret))
    monkeypatch.setenv("STUDIO_KLING_ACCESS_KEY", "ak-from-env-123")
    monkeypatch.setenv("STUDIO_KLING_SECRET_KEY", "sk-from-env-456")
    reset_settings_cache()
    settings = ProviderSettings()
    assert settings.fal_key.get_secret_value() == "file-held-key-12345"
    assert "file-held-key" not in repr(settings) and "sk-from-env" not in str(settings.model_dump())
    from studio.core.providers.catalog import PROVIDERS

    assert settings.key(PROVIDERS["kling"]) == "ak-from-env-123:sk-from-env-456"
    assert redact("the key is file-held-key-12345!") == f"the key is {REDACTED}!"


def test_an_unreadable_secret_file_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.core.errors import ConfigError
    from studio.core.settings import load_settings

    monkeypatch.setenv("STUDIO_RUNWAY_KEY_FILE", str(tmp_path / "missing"))
    reset_settings_cache()
    with pytest.raises(ConfigError, match="STUDIO_RUNWAY_KEY_FILE: cannot read"):
        load_settings(ProviderSettings)


def test_log_records_are_scrubbed_of_registered_keys(caplog: pytest.LogCaptureFixture) -> None:
    register_secret("sk-live-abcdef123456")
    logging.getLogger("tests.keys").warning("calling with %s", "sk-live-abcdef123456")
    assert "sk-live-abcdef123456" not in caplog.text and REDACTED in caplog.text


def test_resolving_a_key_needs_one() -> None:
    with pytest.raises(FailedPrecondition, match="no Runway key is configured; set STUDIO_RUNWAY_KEY"):
        resolve_key("runway", "Runway", "", {}, "STUDIO_RUNWAY_KEY (or STUDIO_RUNWAY_KEY_FILE)")


async def test_kling_tokens_are_scrubbed_too(
    fakes: FakeProviders, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    from tests.providers.conftest import PublicStore, put_png

    store = PublicStore(tmp_path / "a")
    await run(BY_NAME["kling"], store, provider_settings(fakes), await put_png(store))
    tokens = {r.headers["authorization"].removeprefix("Bearer ") for r in fakes.calls("kling")}
    assert tokens and all(redact(token) == REDACTED for token in tokens)
    assert not any(token in caplog.text for token in tokens)


async def test_a_job_may_carry_its_tenants_key_sealed(
    transport: JobTransport, fakes: FakeProviders, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gateway's path for a tenant's own key: sealed onto the job message, opened by the worker."""
    secret = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("STUDIO_PROVIDER_CREDENTIALS_SECRET", secret)
    reset_settings_cache()
    store = LocalArtifactStore(tmp_path / "artifacts")
    deployment = provider_settings(fakes, fal_key="the-deployment-key-0000")  # refused by the fake
    worker = JobWorker(transport, build_service(store, ImageSettings(), providers=deployment), store)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    request = GenerateRequest(prompt="a fox", width=256, height=256, seed=1, backend="fal")
    try:
        tenant = "job-tenant-key-1"
        await transport.submit("image", "generate", request, tenant,
                               sealed_credentials=seal({"fal": KEYS["fal"]}, secret_key(secret), tenant))  # fmt: skip
        other = "job-tenant-key-2"  # a blob sealed for another job does not open
        await transport.submit("image", "generate", request, other,
                               sealed_credentials=seal({"fal": KEYS["fal"]}, secret_key(secret), tenant))  # fmt: skip
        ok, refused = await transport.wait(tenant, timeout=60), await transport.wait(other, timeout=60)
    finally:
        stop.set()
        await running
    assert event_kind(ok) == "completed"
    assert event_kind(refused) == "failed" and "could not be opened" in refused.failed.message
    assert {r.headers["authorization"] for r in fakes.calls("fal")} == {f"Key {KEYS['fal']}"}
    info = await transport.js.stream_info(transport.names.jobs_stream)
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        stored = await transport.js.get_msg(transport.names.jobs_stream, seq)
        assert KEYS["fal"].encode() not in (stored.data or b"") and KEYS["fal"] not in repr(stored.headers)
