from __future__ import annotations

import httpx


async def test_health_is_public_and_ready_checks_everything(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get("/healthz")).json() == {"status": "ok"}
    ready = await anonymous.get("/readyz")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert set(checks) == {"postgres", "nats", "artifacts", "audio", "image", "video", "composer"}
    assert all(check["ok"] for check in checks.values())


async def test_speech_job_completes_with_prefer_wait(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/audio/generate-speech", json={"text": "hello there"}, headers={"Prefer": "wait=20"}
    )
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "completed"
    assert response.headers["preference-applied"] == "wait=20"
    assert [a["role"] for a in job["assets"]] == ["audio"]
