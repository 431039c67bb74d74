"""Durable jobs on NATS JetStream: submission, events and the worker loop."""

from studio.core.jobs.transport import JobTransport, check_job_id, new_job_id
from studio.core.jobs.worker import JobWorker

__all__ = ["JobTransport", "JobWorker", "check_job_id", "new_job_id"]
