"""The Celery side of benchmarks/transport.py: one instant task over Redis."""

from __future__ import annotations

import os

from celery import Celery

REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
app = Celery("bench", broker=REDIS, backend=REDIS)
app.conf.update(task_acks_late=True, worker_prefetch_multiplier=4, result_expires=600)


@app.task(name="bench.instant")
def instant(value: int) -> int:
    return value
