"""Item 11 of issue 15: with a metrics port of its own, /metrics is not served on the API port."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import NATS_URL
from tests.gateway.stack import Stack, free_port
from tests.gateway.test_security import assert_problem


@pytest.fixture(scope="module")
def metrics_stack(database_factory: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = Stack(
        database_url=database_factory(),  # type: ignore[operator]
        nats_url=NATS_URL,
        artifacts_dir=tmp_path_factory.mktemp("metrics-artifacts"),
        services={},
        gateway_overrides={
            "ready_requires_services": False,
            "gateway_metrics_port": free_port(),
            "metrics_host": "127.0.0.1",
        },
    ).start()
    yield running
    running.stop()


async def test_metrics_are_served_on_their_own_port_only(metrics_stack: Stack) -> None:
    assert metrics_stack.settings is not None
    port = metrics_stack.settings.gateway_metrics_port
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"{metrics_stack.base_url}/healthz")).status_code == 200
        public = await http.get(f"{metrics_stack.base_url}/metrics")
        body = assert_problem(public, 404)
        assert "STUDIO_GATEWAY_METRICS_PORT" in body["detail"] and "studio_http_requests_total" not in public.text
        private = await http.get(f"http://127.0.0.1:{port}/metrics")
        assert private.status_code == 200 and "studio_http_requests_total" in private.text
        assert 'studio_queue_depth{service="audio",stage="jetstream"}' in private.text  # refreshed at scrape time
        assert (await http.get(f"http://127.0.0.1:{port}/api/v1/jobs")).status_code == 404  # nothing else there
