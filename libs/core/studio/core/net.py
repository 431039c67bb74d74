"""Which network addresses the studio may call out to: the one address policy.

Webhook deliveries (the gateway) and provider result downloads (the services) both fetch
URLs that a user or a third party chose; neither may become a way into the network the
studio runs in. An address is public only when it is globally routable (`is_global`) and in
none of the ranges below, and when every IPv4 address embedded in it (IPv4-mapped and
-compatible, 6to4, Teredo, NAT64) is public too: `[2002:7f00:1::]` is 127.0.0.1 by 6to4.

Checks run on resolved addresses at connect time (`PublicOnlyBackend`): the connection
itself resolves the name, checks every address and connects to a checked one, so a DNS
answer cannot change between the check and the use, and each redirect hop is a new
connection checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import anyio
import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Ranges refused even where a Python version counts part of them as global.
_REFUSED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT (100.100.100.200 is a cloud metadata address)
        "192.0.0.0/24",  # IETF protocol assignments (192.0.0.192 is a cloud metadata address)
        "198.18.0.0/15",  # benchmarking
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/96",  # IPv4-compatible (deprecated), and :: and ::1
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",  # documentation
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class RefusedAddress(Exception):
    """A name or address the policy does not allow; carries the reason as its message."""


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, compatible, 6to4, Teredo, NAT64)."""
    found: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)  # (server, client)
    packed = address.packed
    if address in _NAT64 or (packed[:12] == bytes(12) and int(address) > 1):
        found.append(ipaddress.IPv4Address(packed[12:]))
    return found


def refusal(address: str | Address, *, allow_loopback: bool = False) -> str | None:
    """Why an address may not be called (None: it is public). `allow_loopback` admits 127/8 and ::1 (tests)."""
    ip = ipaddress.ip_address(address.split("%")[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # the same host, by its IPv4 address
    candidates: list[Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        # A NAT64 address is only a way to its IPv4 address (which Python counts as reserved): judge that.
        candidates = [*([] if ip in _NAT64 else [ip]), *embedded_ipv4(ip)]
    for candidate in candidates:
        shown = str(candidate) if candidate == ip else f"{candidate}, inside {ip}"
        if candidate.is_loopback:
            if allow_loopback:
                continue
            return f"{shown} is a loopback address"
        if (
            any(candidate in net for net in _REFUSED if net.version == candidate.version)
            or not candidate.is_global
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
        ):
            return f"{shown} is not a public address"
    return None


def is_public(address: str | Address, *, allow_loopback: bool = False) -> bool:
    return refusal(address, allow_loopback=allow_loopback) is None


async def resolve(host: str, port: int) -> list[str]:
    """Every address a name resolves to (a literal address resolves to itself)."""
    infos = await anyio.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def checked_addresses(host: str, port: int, *, allow_loopback: bool = False) -> list[str]:
    """The addresses of `host`, all of them public; RefusedAddress if any is not, or if there are none."""
    try:
        addresses = await resolve(host, port)
    except OSError:
        raise RefusedAddress(f"{host} does not resolve") from None
    if not addresses:
        raise RefusedAddress(f"{host} does not resolve")
    for address in addresses:
        reason = refusal(address, allow_loopback=allow_loopback)
        if reason:
            raise RefusedAddress(f"{host} resolves to a non-public address ({reason})")
    return addresses


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself and connects only to checked addresses (TLS still verifies the name).

    `policy()` is read at each connection: None admits any address (an operator's explicit
    choice, e.g. webhooks to an on-premise n8n), "loopback" admits loopback too (tests with
    local fakes), "public" admits public addresses only. `refuse` turns a reason into the
    caller's own error.
    """

    def __init__(self, policy: Callable[[], str | None], refuse: Callable[[str], Exception] = RefusedAddress) -> None:
        self.policy = policy
        self.refuse = refuse
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        policy = self.policy()
        if policy is None:
            return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = await checked_addresses(host, port, allow_loopback=policy == "loopback")
        except RefusedAddress as error:
            raise self.refuse(str(error)) from None
        return await self.inner.connect_tcp(addresses[0], port, timeout, local_address, socket_options)

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class PublicOnlyTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose every connection goes through a `PublicOnlyBackend`."""

    def __init__(
        self,
        policy: Callable[[], str | None],
        refuse: Callable[[str], Exception] = RefusedAddress,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        context = ssl_context or httpx.create_ssl_context()
        super().__init__(verify=context)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context, network_backend=PublicOnlyBackend(policy, refuse)
        )
