"""Links handed to clients: absolute when STUDIO_PUBLIC_URL is set, else relative to the gateway."""

from __future__ import annotations

from studio.gateway.context import Gateway


def link(gateway: Gateway, path: str) -> str:
    base = gateway.settings.public_url.rstrip("/")
    return f"{base}{path}" if base else path
