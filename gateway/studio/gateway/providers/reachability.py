"""Whether the hosted providers answer, for /readyz: reported, never a reason to be unready.

An unauthenticated HEAD of each configured provider's API base (any HTTP answer counts:
a 401 or 404 proves the host is up), 2 s at most, remembered for 60 s so a busy probe
does not become traffic to the providers. Only providers with a deployment key are
probed; the base must pass the same rule as every provider call (https, or loopback
when STUDIO_PROVIDER_ALLOW_LOOPBACK_FOR_TESTS is on).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from studio.core.errors import ConfigError
from studio.core.providers.catalog import PROVIDERS, ProviderInfo
from studio.core.providers.secrets import redact
from studio.core.providers.settings import ProviderSettings
from studio.core.providers.transport import tls_context

CACHE_SECONDS = 60.0
TIMEOUT = 2.0


async def _probe(info: ProviderInfo, settings: ProviderSettings) -> dict[str, Any]:
    try:
        base = settings.api_url(info)
    except ConfigError as error:
        return {"deployment_key": True, "reachable": False, "error": redact(error.message)}
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(verify=tls_context(), timeout=TIMEOUT, follow_redirects=False) as http:
            await http.head(base)
    except httpx.HTTPError as error:
        return {
            "deployment_key": True,
            "reachable": False,
            "error": f"{info.title}: no answer ({type(error).__name__})",
        }
    return {"deployment_key": True, "reachable": True, "latency_ms": round((time.perf_counter() - started) * 1000)}


class ProviderProbe:
    def __init__(self) -> None:
        self._at = 0.0
        self._last: dict[str, dict[str, Any]] = {}
        self._lock = asyncio.Lock()

    async def report(self, settings: ProviderSettings) -> dict[str, dict[str, Any]]:
        async with self._lock:
            if self._last and time.monotonic() - self._at < CACHE_SECONDS:
                return self._last
            configured = [info for info in PROVIDERS.values() if settings.key(info)]
            probed = await asyncio.gather(*(_probe(info, settings) for info in configured))
            report: dict[str, dict[str, Any]] = {
                info.name: {"deployment_key": False, "reachable": None} for info in PROVIDERS.values()
            }
            report.update({info.name: result for info, result in zip(configured, probed, strict=True)})
            self._last, self._at = report, time.monotonic()
            return report
