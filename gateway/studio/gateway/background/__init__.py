"""Loops that run beside the HTTP server: dispatcher, events consumer (webhooks and projects live in their domains)."""
