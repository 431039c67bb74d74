"""Which URLs the gateway calls out to (webhooks): http(s) only, and no loopback, private,
link-local or reserved address (the gateway sits inside the network; a webhook must not become
a way to reach it) unless STUDIO_ALLOW_PRIVATE_WEBHOOKS allows them."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from studio.core.errors import InvalidInput

DNS_TIMEOUT = 3.0


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_url_shape(url: str) -> tuple[str, int]:
    """Host and port of an acceptable webhook URL (shape only, no DNS)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise InvalidInput(f"webhook url {url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(f"webhook url {url!r} must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise InvalidInput("webhook url must not carry credentials; verify deliveries with the signature header")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_target(url: str, allow_private: bool) -> None:
    """Refuse URLs that are malformed or (unless allowed) resolve to an internal address."""
    host, port = check_url_shape(url)
    if allow_private:
        return
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), DNS_TIMEOUT)
        except (OSError, TimeoutError):
            raise InvalidInput(f"webhook host {host!r} does not resolve") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        if _is_internal(address):
            raise InvalidInput(
                f"webhook url {url!r} points at an internal address ({address}); loopback and private targets "
                "are refused unless the operator sets STUDIO_ALLOW_PRIVATE_WEBHOOKS=true"
            )
