"""Hosted providers in the gateway: tenants' keys at rest, pricing over gRPC, budgets."""
