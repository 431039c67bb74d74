"""Health, readiness, metrics and the OpenAPI document."""

from __future__ import annotations

import httpx

from tests.gateway.stack import Stack


async def test_health_is_public_and_ready_checks_everything(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/healthz")).json() == {"status": "ok"}
    ready = await anonymous.get("/readyz")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert set(checks) == {"postgres", "nats", "artifacts", "audio", "image", "video", "composer"}
    assert all(check["ok"] for check in checks.values())


async def test_readyz_fails_when_a_model_server_is_unreachable(anonymous: httpx.AsyncClient, stack: Stack) -> None:
    with stack.overridden(video_addr="127.0.0.1:1"):
        assert stack.gateway is not None
        await stack.gateway.close_clients()  # forget the channel to the real address
        ready = await anonymous.get("/readyz")
        await stack.gateway.close_clients()
    assert ready.status_code == 503
    assert ready.json()["checks"]["video"]["ok"] is False and "UNAVAILABLE" in ready.json()["checks"]["video"]["detail"]


async def test_metrics_cover_http_queues_and_job_durations(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    await client.post("/api/v1/audio/generate-speech", json={"text": "metrics"}, headers={"Prefer": "wait=30"})
    text = (await anonymous.get("/metrics")).text
    assert 'studio_http_requests_total{method="POST",route="/api/v1/audio/generate-speech",status="200"}' in text
    assert 'studio_queue_depth{service="audio",stage="gateway"}' in text
    assert 'studio_queue_depth{service="audio",stage="jetstream"}' in text
    assert 'studio_gateway_job_seconds_count{outcome="completed",type="audio.synthesize"}' in text


async def test_openapi_is_3_1_with_operation_ids_and_docs_ui(anonymous: httpx.AsyncClient) -> None:
    document = (await anonymous.get("/docs/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) >= 30 and all(op.get("operationId") for op in operations)
    assert len({op["operationId"] for op in operations}) == len(operations)
    for required in (
        "/api/v1/audio/clone-voice",
        "/v1/audio/speech",
        "/v1/images/generations",
        "/api/v1/jobs/{job_id}/events",
    ):
        assert required in document["paths"]
    ui = await anonymous.get("/docs")
    assert ui.status_code == 200 and "text/html" in ui.headers["content-type"]
