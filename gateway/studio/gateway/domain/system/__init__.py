"""Health, readiness, metrics and web UI tokens."""
