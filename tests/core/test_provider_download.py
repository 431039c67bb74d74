"""Result downloads: https from a documented host only, never a private address (checked when connecting)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from studio.core.errors import ProviderFailed
from studio.core.net import PublicOnlyBackend, is_public
from studio.core.providers.catalog import PROVIDERS, host_matches
from studio.core.providers.download import RefusedAddress, _refused, check_result_url, fetch
from studio.core.providers.settings import ProviderSettings

KLING = PROVIDERS["kling"]


@pytest.fixture
def loopback_server() -> Iterator[str]:
    """Serves /ok (bytes), /big (2 MiB), /to-private (302 to a private address)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/to-private":
                self.send_response(302)
                self.send_header("Location", "https://10.0.0.7/secret")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"x" * (2 * 1024 * 1024) if self.path == "/big" else b"clip-bytes"
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("address", "loopback_ok", "allowed"),
    [
        ("8.8.8.8", False, True),
        ("127.0.0.1", False, False),
        ("127.0.0.1", True, True),
        ("::1", True, True),
        ("10.1.2.3", True, False),
        ("172.16.0.1", True, False),
        ("192.168.1.1", True, False),
        ("169.254.169.254", True, False),
        ("::ffff:10.0.0.1", True, False),
        ("fd00::1", True, False),
        ("0.0.0.0", True, False),
    ],
)
def test_which_addresses_may_be_fetched(address: str, loopback_ok: bool, allowed: bool) -> None:
    assert is_public(address, allow_loopback=loopback_ok) is allowed


def test_result_hosts_match_exactly_or_as_subdomains() -> None:
    assert host_matches("cdn.klingai.com", ["*.klingai.com"])
    assert not host_matches("klingai.com.evil.example", ["*.klingai.com"])
    assert not host_matches("klingai.com", ["*.klingai.com"])
    assert host_matches("v3.fal.media", PROVIDERS["fal"].result_hosts)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://cdn.klingai.com/v.mp4", "not https"),
        ("https://evil.example/v.mp4", "not one of its result hosts"),
        ("https://10.0.0.1/v.mp4", "non-public address"),
        ("https://[::1]/v.mp4", "non-public address"),
        ("https://127.0.0.1/v.mp4", "non-public address"),
    ],
)
def test_result_urls_are_checked_before_any_connection(url: str, words: str) -> None:
    with pytest.raises(RefusedAddress, match=words):
        check_result_url(KLING, url, ProviderSettings())


def test_extra_result_hosts_come_from_settings() -> None:
    settings = ProviderSettings(provider_result_hosts={"kling": ["videos.example.net"]})
    check_result_url(KLING, "https://videos.example.net/v.mp4", settings)


async def test_a_name_resolving_to_loopback_is_refused_at_connect_time() -> None:
    with pytest.raises(RefusedAddress, match="non-public address"):
        await PublicOnlyBackend(lambda: "public", _refused).connect_tcp("localhost", 443)


async def test_loopback_only_with_the_test_setting_and_redirects_are_checked(
    loopback_server: str, tmp_path: Path
) -> None:
    with pytest.raises(RefusedAddress, match="not https"):
        await fetch(KLING, f"{loopback_server}/ok", tmp_path / "a.mp4", ProviderSettings())
    settings = ProviderSettings(provider_allow_loopback_for_tests=True)
    fetched = await fetch(KLING, f"{loopback_server}/ok", tmp_path / "a.mp4", settings)
    assert fetched.path.read_bytes() == b"clip-bytes" and fetched.content_type == "video/mp4"
    with pytest.raises(RefusedAddress, match="non-public address"):
        await fetch(KLING, f"{loopback_server}/to-private", tmp_path / "b.mp4", settings)
    assert not (tmp_path / "b.mp4").exists()


async def test_results_over_the_size_limit_leave_nothing(loopback_server: str, tmp_path: Path) -> None:
    settings = ProviderSettings(provider_allow_loopback_for_tests=True, provider_max_result_bytes=1024 * 1024)
    with pytest.raises(ProviderFailed, match="larger than 1048576 bytes"):
        await fetch(KLING, f"{loopback_server}/big", tmp_path / "big.mp4", settings)
    assert list(tmp_path.iterdir()) == []
