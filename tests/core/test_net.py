"""The one address policy (studio.core.net): webhooks and provider downloads call only public addresses."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from studio.core.net import PublicOnlyTransport, RefusedAddress, checked_addresses, embedded_ipv4, refusal


@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",  # carrier-grade NAT
        "100.100.100.200",  # a cloud metadata address inside it
        "192.0.0.192",  # another cloud's metadata address
        "192.0.0.9",  # 192.0.0.0/24 as a whole
        "169.254.169.254",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "224.0.0.1",
        "198.18.0.1",
        "::1",
        "::",
        "fd00::1",
        "fe80::1%eth0",
        "ff02::1",
        "2002:7f00:1::",  # 6to4 for 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 for 169.254.169.254
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "::ffff:10.0.0.1",  # IPv4-mapped
        "::ffff:127.0.0.1",
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 for 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 for 127.0.0.1
        "64:ff9b:1::1",  # local-use NAT64
        "2001:db8::1",
    ],
)
def test_internal_addresses_are_refused_in_every_form(address: str) -> None:
    assert refusal(address) is not None


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.215.14", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808"]
)
def test_public_addresses_are_allowed_whatever_their_form(address: str) -> None:
    assert refusal(address) is None


def test_embedded_ipv4_is_unwrapped_and_named_in_the_reason() -> None:
    assert embedded_ipv4(ipaddress.IPv6Address("2002:7f00:1::")) == [ipaddress.IPv4Address("127.0.0.1")]
    assert ipaddress.IPv4Address("192.168.2.45") in embedded_ipv4(
        ipaddress.IPv6Address("2001:0:4136:e378:8000:63bf:3f57:fdd2")
    )
    assert embedded_ipv4(ipaddress.IPv6Address("64:ff9b::a00:1")) == [ipaddress.IPv4Address("10.0.0.1")]
    assert refusal("2002:7f00:1::") == "127.0.0.1, inside 2002:7f00:1:: is a loopback address"


def test_loopback_only_is_admitted_by_the_test_allowance() -> None:
    assert refusal("127.0.0.1", allow_loopback=True) is None
    assert refusal("2002:7f00:1::", allow_loopback=True) is None
    assert refusal("10.0.0.1", allow_loopback=True) is not None
    assert refusal("100.100.100.200", allow_loopback=True) is not None


async def test_names_are_judged_by_every_address_they_resolve_to() -> None:
    with pytest.raises(RefusedAddress, match="non-public address"):
        await checked_addresses("localhost", 80)
    with pytest.raises(RefusedAddress, match="does not resolve"):
        await checked_addresses("no-such-host.invalid", 80)
    assert await checked_addresses("8.8.8.8", 80) == ["8.8.8.8"]


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"localhost:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


async def test_the_transport_checks_each_connection_when_it_is_made(local_server: tuple[str, list[str]]) -> None:
    where, hits = local_server
    policy: list[str | None] = ["public"]
    async with httpx.AsyncClient(transport=PublicOnlyTransport(lambda: policy[0])) as client:
        with pytest.raises(RefusedAddress, match="localhost resolves to a non-public address"):
            await client.get(f"http://{where}/refused")
        assert hits == []  # nothing reached the internal server
        policy[0] = "loopback"
        assert (await client.get(f"http://{where}/loopback")).status_code == 204
        policy[0] = None  # the operator's explicit allowance: anything goes
        assert (await client.get(f"http://{where}/any")).status_code == 204
    assert hits == ["/loopback", "/any"]
