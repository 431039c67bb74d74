"""Prometheus metrics shared by every process. Names here are the ones the
dashboards and alert rules use; define metrics nowhere else."""

from __future__ import annotations

import threading

from prometheus_client import Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

GRPC_REQUESTS = Counter("studio_grpc_requests_total", "gRPC calls handled.", ["service", "method", "code"])
GRPC_LATENCY = Histogram(
    "studio_grpc_request_seconds", "gRPC call duration.", ["service", "method"], buckets=LATENCY_BUCKETS
)
GRPC_IN_FLIGHT = Gauge("studio_grpc_in_flight", "gRPC calls in progress.", ["service", "method"])

JOBS = Counter(
    "studio_jobs_total",
    "Jobs finished by a worker, by outcome (completed, failed, retried, cancelled; duplicate: a redelivery "
    "answered with the outcome an earlier delivery recorded).",
    ["service", "operation", "outcome"],
)
JOB_LATENCY = Histogram(
    "studio_job_seconds",
    "Job run time in the worker.",
    ["service", "operation", "outcome"],
    buckets=LATENCY_BUCKETS,
)
JOBS_IN_PROGRESS = Gauge("studio_jobs_in_progress", "Jobs being run by this worker.", ["service"])

BACKEND_LOAD_SECONDS = Gauge("studio_backend_load_seconds", "Time to load and warm a backend.", ["service", "backend"])
BACKEND_READY = Gauge("studio_backend_ready", "1 when the service's backends are loaded and warm.", ["service"])


class GpuCollector(Collector):
    """GPU memory and utilisation, read at scrape time when torch sees a GPU."""

    def collect(self):  # type: ignore[no-untyped-def]
        used = GaugeMetricFamily("studio_gpu_memory_used_bytes", "GPU memory in use.", labels=["device"])
        total = GaugeMetricFamily("studio_gpu_memory_total_bytes", "GPU memory on the card.", labels=["device"])
        util = GaugeMetricFamily("studio_gpu_utilization_ratio", "GPU utilisation, 0..1.", labels=["device"])
        try:
            import sys

            torch = sys.modules.get("torch")  # never import torch just to scrape
            if torch is not None and torch.cuda.is_available():
                for index in range(torch.cuda.device_count()):
                    free, capacity = torch.cuda.mem_get_info(index)
                    used.add_metric([str(index)], float(capacity - free))
                    total.add_metric([str(index)], float(capacity))
                    try:
                        util.add_metric([str(index)], torch.cuda.utilization(index) / 100.0)
                    except Exception:  # noqa: BLE001 - pynvml may be missing
                        pass
        except Exception:  # noqa: BLE001 - a scrape must never fail because of the GPU
            pass
        yield used
        yield total
        yield util


_started_lock = threading.Lock()
_gpu_registered = False


def register_gpu_collector() -> None:
    global _gpu_registered
    with _started_lock:
        if not _gpu_registered:
            REGISTRY.register(GpuCollector())
            _gpu_registered = True


def serve_metrics(port: int, host: str = "0.0.0.0") -> None:
    """Expose /metrics on its own HTTP port (in a daemon thread)."""
    register_gpu_collector()
    start_http_server(port, addr=host)


# Gateway: REST traffic, the queue it holds in Postgres and JetStream, and job outcomes.
HTTP_REQUESTS = Counter(
    "studio_http_requests_total", "REST requests handled by the gateway.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "studio_http_request_seconds", "REST request duration.", ["method", "route"], buckets=LATENCY_BUCKETS
)
QUEUE_DEPTH = Gauge(
    "studio_queue_depth",
    "Jobs waiting per service: 'gateway' = queued in Postgres behind the concurrency caps, "
    "'jetstream' = submitted and not yet acknowledged by a worker.",
    ["service", "stage"],
)
GATEWAY_JOB_SECONDS = Histogram(
    "studio_gateway_job_seconds",
    "Job duration from acceptance by the gateway to its terminal event, by type and outcome.",
    ["type", "outcome"],
    buckets=LATENCY_BUCKETS,
)
WEBHOOK_DELIVERIES = Counter(
    "studio_webhook_deliveries_total", "Webhook delivery attempts by outcome.", ["event", "outcome"]
)
JOB_COST_USD = Counter(
    "studio_job_cost_usd_total",
    "What finished jobs cost in US dollars (the provider's usage, the estimate or GPU time), recorded by the gateway.",
    ["service", "backend", "basis"],
)
