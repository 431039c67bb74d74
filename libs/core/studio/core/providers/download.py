"""Copying a provider's result into the artifact store, safely, the moment it is ready.

Provider result URLs expire, and a provider's answer is untrusted input: a
mistaken or malicious URL must not make a service fetch an internal address.
So a result is fetched only
- over https, from a host the provider documents (`catalog.ProviderInfo.result_hosts`
  plus `STUDIO_PROVIDER_RESULT_HOSTS`);
- from a public address (`studio.core.net`, the policy webhooks follow too): the name is
  resolved and every address checked *at connect time*, by the connection itself, so a DNS
  answer cannot change between check and use;
- following at most a few redirects, each checked the same way;
- up to a size limit, into a temporary file that becomes the artifact only when complete.
Loopback (never other private ranges) is accepted only with
`STUDIO_PROVIDER_ALLOW_LOOPBACK_FOR_TESTS`, for local fake providers.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from studio.core.errors import Overloaded, ProviderFailed, Unavailable
from studio.core.net import PublicOnlyTransport, is_public
from studio.core.operations import OperationContext
from studio.core.providers.catalog import ProviderInfo, host_matches
from studio.core.providers.settings import LOOPBACK_HOSTS, ProviderSettings
from studio.core.providers.transport import Failure, Kind, ProviderTransport, RetryPolicy, error_for, tls_context
from studio.v1.common_pb2 import ArtifactRef

MAX_REDIRECTS = 3
_CHUNK = 1024 * 1024


class RefusedAddress(ProviderFailed):
    """A result URL pointed at an address a service must never fetch."""


def _refused(reason: str) -> RefusedAddress:
    return RefusedAddress(f"refused to fetch a result: {reason}")


def _guarded(allow_loopback: bool) -> PublicOnlyTransport:
    return PublicOnlyTransport(lambda: "loopback" if allow_loopback else "public", _refused, tls_context())


def check_result_url(info: ProviderInfo, url: str, settings: ProviderSettings) -> None:
    """Refuse a result URL that is not https on one of the provider's documented hosts."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    loopback = settings.provider_allow_loopback_for_tests and host in LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise RefusedAddress(f"{info.title} returned a result URL that is not https ({parts.scheme}://{host}); refused")
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None and not is_public(literal, allow_loopback=settings.provider_allow_loopback_for_tests):
        raise RefusedAddress(f"{info.title} returned a result URL at a non-public address ({host}); refused")
    if not loopback and not host_matches(host, settings.result_hosts(info)):
        raise RefusedAddress(
            f"{info.title} returned a result URL on {host}, which is not one of its result hosts "
            f"({', '.join(settings.result_hosts(info)) or 'none'}); refused (STUDIO_PROVIDER_RESULT_HOSTS adds hosts)"
        )


@dataclass(frozen=True)
class Fetched:
    path: Path
    content_type: str
    size: int


async def fetch(info: ProviderInfo, url: str, dest: Path, settings: ProviderSettings) -> Fetched:
    """Download a result to `dest` (complete or not at all), following checked redirects."""
    loopback_ok = settings.provider_allow_loopback_for_tests
    transport = ProviderTransport(
        info,
        allowed=None,  # every hop is checked by check_result_url instead
        policy=RetryPolicy(settings.provider_retries, settings.provider_retry_max_wait),
        inner=_guarded(loopback_ok),
        read_success=False,
    )
    async with httpx.AsyncClient(transport=transport, timeout=settings.provider_request_timeout) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_result_url(info, url, settings)
            try:
                async with client.stream("GET", url) as response:
                    if response.is_redirect:
                        url = str(response.url.join(response.headers.get("location", "")))
                        continue
                    return await _save(info, response, dest, settings.provider_max_result_bytes)
            except (Overloaded, Unavailable) as error:
                raise ProviderFailed(f"{info.title}: the result could not be fetched ({error.message})") from None
            except ProviderFailed as error:
                if isinstance(error, RefusedAddress):
                    raise
                raise ProviderFailed(
                    f"{info.title}: the result URL has expired or is unreachable ({error.message})"
                ) from None
    raise ProviderFailed(f"{info.title}: the result URL redirected more than {MAX_REDIRECTS} times; refused")


async def _save(info: ProviderInfo, response: httpx.Response, dest: Path, limit: int) -> Fetched:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.part")
    size = 0
    try:
        with tmp.open("wb") as handle:
            async for chunk in response.aiter_bytes(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ProviderFailed(
                        f"{info.title}: the result is larger than {limit} bytes (STUDIO_PROVIDER_MAX_RESULT_BYTES)"
                    )
                handle.write(chunk)
        if size == 0:
            raise error_for(info, Failure(Kind.FAILED, "the result file is empty"))
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)
    content_type = response.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
    return Fetched(dest, content_type, size)


async def keep_result(
    info: ProviderInfo, url: str, ctx: OperationContext, name: str, settings: ProviderSettings, workdir: Path
) -> tuple[ArtifactRef, Path]:
    """Fetch a result and store it as delivered under the run's `provider/` folder at once.

    Returns its artifact and a local copy for the service to convert (size, format, length).
    """
    fetched = await fetch(info, url, workdir / name, settings)
    ref = await ctx.artifacts.put_file(ctx.output_key(f"provider/{name}"), fetched.path, fetched.content_type)
    return ref, fetched.path
