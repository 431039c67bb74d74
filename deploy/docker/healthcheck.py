"""Container health check: exit 0 when the process in this container is ready.

`healthcheck.py grpc://127.0.0.1:50051` asks the standard grpc.health.v1 service
(a model server reports SERVING only once its backends are loaded and warm);
`healthcheck.py http://127.0.0.1:8080/healthz` expects a 2xx answer. Images ship
no grpc_health_probe binary, and the studio's own venv already has grpcio, so
the Docker HEALTHCHECK and compose health checks use this one file.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

USAGE = "usage: healthcheck.py grpc://HOST:PORT[/SERVICE] | http://HOST:PORT/PATH [timeout-seconds]"


def check_grpc(target: str, service: str, timeout: float) -> str | None:
    """None when SERVING, otherwise why not."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError as error:
            return f"{target}: {error.code().name}"  # type: ignore[attr-defined]
    if response.status != health_pb2.HealthCheckResponse.SERVING:
        return f"{target}: {health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)}"
    return None


def check_http(url: str, timeout: float) -> str | None:
    """None on a 2xx answer, otherwise why not."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        return f"{url}: HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return f"{url}: {getattr(error, 'reason', error)}"
    return None if 200 <= status < 300 else f"{url}: HTTP {status}"


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(USAGE, file=sys.stderr)
        return 2
    try:
        timeout = float(argv[1]) if len(argv) == 2 else 3.0
    except ValueError:
        print(f"timeout must be a number of seconds, got {argv[1]!r}\n{USAGE}", file=sys.stderr)
        return 2
    url = urlsplit(argv[0])
    if url.scheme == "grpc" and url.netloc:
        problem = check_grpc(url.netloc, url.path.strip("/"), timeout)
    elif url.scheme in ("http", "https") and url.netloc:
        problem = check_http(argv[0], timeout)
    else:
        print(f"unsupported target {argv[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
