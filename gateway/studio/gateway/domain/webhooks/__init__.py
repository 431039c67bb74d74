"""Webhooks: job.completed / job.failed / job.cancelled, signed, retried, never to private targets by default."""
