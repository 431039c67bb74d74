"""deploy/docker/healthcheck.py, the containers' health check, run as Docker runs it (a
separate process) against a real model server, a server still loading, and nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from tests.deploy.support import REPO_ROOT, RunningService, free_port

SCRIPT = REPO_ROOT / "deploy" / "docker" / "healthcheck.py"


def healthcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=30, check=False)


@pytest.fixture
def loading_server() -> Iterator[int]:
    """A gRPC server whose health says NOT_SERVING, as a model server's does while it loads."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield port
    server.stop(None)


def test_a_ready_model_server_is_healthy(composer_service: RunningService) -> None:
    assert healthcheck(f"grpc://127.0.0.1:{composer_service.grpc_port}").returncode == 0
    named = healthcheck(f"grpc://127.0.0.1:{composer_service.grpc_port}/studio.v1.ComposerService")
    assert named.returncode == 0, named.stderr


def test_a_server_still_loading_is_not(loading_server: int) -> None:
    result = healthcheck(f"grpc://127.0.0.1:{loading_server}")
    assert result.returncode == 1
    assert "NOT_SERVING" in result.stderr


def test_an_unknown_grpc_service_or_a_closed_port_is_not(composer_service: RunningService) -> None:
    unknown = healthcheck(f"grpc://127.0.0.1:{composer_service.grpc_port}/studio.v1.NoSuchService")
    assert unknown.returncode == 1 and "NOT_FOUND" in unknown.stderr
    closed = healthcheck(f"grpc://127.0.0.1:{free_port()}", "1")
    assert closed.returncode == 1 and "UNAVAILABLE" in closed.stderr


def test_http_targets(composer_service: RunningService) -> None:
    assert healthcheck(composer_service.metrics_url).returncode == 0
    closed = healthcheck(f"http://127.0.0.1:{free_port()}/healthz", "1")
    assert closed.returncode == 1 and "unhealthy" in closed.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "usage"),
        (("ftp://127.0.0.1:21",), "unsupported target"),
        (("127.0.0.1:50051",), "unsupported target"),
        (("grpc://127.0.0.1:50051", "soon"), "timeout must be a number"),
        (("grpc://a:1", "1", "extra"), "usage"),
    ],
)
def test_misuse_is_a_usage_error_not_a_health_verdict(args: tuple[str, ...], message: str) -> None:
    result = healthcheck(*args)
    assert result.returncode == 2
    assert message in result.stderr
