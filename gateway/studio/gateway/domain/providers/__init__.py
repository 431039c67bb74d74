"""Hosted providers: tenants' own keys, the provider listing, and monthly budgets."""
