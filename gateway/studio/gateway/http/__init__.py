"""Cross-cutting HTTP concerns: request ids and metrics, idempotency, Prefer: wait, links."""
