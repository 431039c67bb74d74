"""Fixtures for the deployment checks: the repository's files and one running model server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.deploy.support import REPO_ROOT, RunningService, free_port

STARTUP_TIMEOUT = 60.0


def _serving(port: int) -> bool:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1.0)
        except grpc.RpcError:
            return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


@pytest.fixture(scope="session")
def composer_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """`studio serve composer` as a real subprocess (gRPC only, local artifacts), SERVING."""
    service = RunningService("composer", free_port(), free_port())
    env = {
        **os.environ,
        "STUDIO_WORKER_ENABLED": "false",
        "STUDIO_ARTIFACTS": "local",
        "STUDIO_ARTIFACTS_DIR": str(tmp_path_factory.mktemp("artifacts")),
        "STUDIO_LOG_FORMAT": "text",
        "STUDIO_SHUTDOWN_GRACE": "0",
    }
    log = tmp_path_factory.mktemp("logs") / "composer.log"
    command = [sys.executable, "-m", "studio.cli.main", "serve", "composer"]
    command += ["--port", str(service.grpc_port), "--metrics-port", str(service.metrics_port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _serving(service.grpc_port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"studio serve composer did not become SERVING:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
