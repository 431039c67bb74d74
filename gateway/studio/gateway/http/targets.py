"""Which URLs the gateway calls out to (webhooks): http(s) only, and only public addresses
(`studio.core.net`, the policy provider downloads follow too) unless STUDIO_ALLOW_PRIVATE_WEBHOOKS
allows internal ones (an on-premise n8n). The gateway sits inside the network; a webhook must not
become a way to reach it.

A target is checked when it is registered (`check_target`, a 400 naming the address) and again
by every delivery's connection (`webhook_transport`: the name is resolved and each address checked
at connect time, so DNS cannot change between check and use). Deliveries never follow redirects:
a 3xx answer is a failed attempt, so no redirect can lead anywhere unchecked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

import httpx

from studio.core.errors import InvalidInput
from studio.core.net import PublicOnlyTransport, RefusedAddress, checked_addresses

DNS_TIMEOUT = 3.0
_ALLOW_HINT = "internal targets are refused unless the operator sets STUDIO_ALLOW_PRIVATE_WEBHOOKS=true"


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


def _refused(url: str) -> Callable[[str], InvalidInput]:
    return lambda reason: InvalidInput(f"webhook url {url!r} is refused: {reason}; {_ALLOW_HINT}")


async def check_target(url: str, allow_private: bool) -> None:
    """Refuse URLs that are malformed or (unless allowed) resolve to an address that is not public."""
    host, port = check_url_shape(url)
    if allow_private:
        return
    try:
        await asyncio.wait_for(checked_addresses(host, port), DNS_TIMEOUT)
    except TimeoutError:
        raise InvalidInput(f"webhook host {host!r} does not resolve (no DNS answer in {DNS_TIMEOUT:.0f}s)") from None
    except RefusedAddress as error:
        raise _refused(url)(str(error)) from None


def webhook_transport(allow_private: Callable[[], bool]) -> httpx.AsyncHTTPTransport:
    """An HTTP transport whose every connection goes to a checked address (`allow_private()` read per connection)."""
    return PublicOnlyTransport(
        lambda: None if allow_private() else "public",
        lambda reason: InvalidInput(f"webhook target refused at delivery: {reason}; {_ALLOW_HINT}"),
    )
