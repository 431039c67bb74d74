"""The one httpx transport every provider request goes through, SDK or not.

It does what must be the same for every provider:
- sends requests only to the provider's configured API (any other origin is refused,
  so a provider's answer cannot make a service send its key elsewhere), optionally
  rewriting an SDK's hard-coded origin to the configured one;
- retries 429, 408 and 5xx answers and unanswered requests with exponential backoff,
  honouring Retry-After (seconds, HTTP date) and retry-after-ms;
- turns every other failed answer into a StudioError through the provider's error
  convention (its body shape, its codes), with any key scrubbed from the message.

SDKs built on httpx take it as their transport; their own retries never see a
retryable answer, because this transport either retries it or raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import httpx

from studio.core.errors import (
    FailedPrecondition,
    InvalidInput,
    Overloaded,
    ProviderFailed,
    StudioError,
    Unavailable,
)
from studio.core.providers.catalog import ProviderInfo
from studio.core.providers.secrets import redact
from studio.core.providers.settings import ProviderSettings
from studio.core.retry_after import retry_after_seconds

log = logging.getLogger(__name__)

#: What the transport waits with; tests replace it to record the waits instead of sleeping.
sleep = asyncio.sleep
#: Longest provider message quoted in an error.
MAX_DETAIL = 300


class Kind(Enum):
    RETRY = "retry"  # transient: rate limit, overload, server error
    AUTH = "auth"  # the key is wrong, expired or lacks permission
    QUOTA = "quota"  # the account cannot pay (balance, credits, resource pack)
    POLICY = "policy"  # the content was refused by the provider's moderation
    INVALID = "invalid"  # the request itself was refused
    GONE = "gone"  # the thing asked for does not exist (any more)
    FAILED = "failed"  # anything else the provider reports as failed


@dataclass(frozen=True)
class Failure:
    kind: Kind
    detail: str
    #: HTTP status, or the provider's own code when it reports errors in a 200 body.
    code: int | str = ""


@dataclass(frozen=True)
class Answer:
    """A provider's answer, as conventions read it."""

    status: int
    headers: httpx.Headers
    text: str

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None


#: Reads an answer; None means success.
Convention = Callable[[Answer], Failure | None]


def detail_of(body: Any, text: str) -> str:
    """The human part of a provider's error body: `detail`, `message`, `error`, `title`, or the text."""
    if isinstance(body, dict):
        for name in ("detail", "message", "error", "failure", "title", "status_msg"):
            value = body.get(name)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict | list) and value:
                return detail_of(value, json.dumps(value, ensure_ascii=False))
    if isinstance(body, list) and body and isinstance(body[0], dict):
        first = body[0]
        msg = first.get("msg") or first.get("message")
        if msg:
            where = ".".join(str(p) for p in first.get("loc", []) if p != "body")
            return f"{where}: {msg}" if where else str(msg)
    return text.strip()


def http_convention(answer: Answer) -> Failure | None:
    """The HTTP status alone: what most providers mean by it."""
    status = answer.status
    if status < 400:
        return None
    detail = detail_of(answer.json(), answer.text) or f"HTTP {status}"
    if status in (408, 409, 425, 429) or status >= 500:
        return Failure(Kind.RETRY, detail, status)
    if status in (401, 403):
        return Failure(Kind.AUTH, detail, status)
    if status == 402:
        return Failure(Kind.QUOTA, detail, status)
    if status in (404, 410):
        return Failure(Kind.GONE, detail, status)
    return Failure(Kind.INVALID, detail, status)


def error_for(info: ProviderInfo, failure: Failure) -> StudioError:
    """The studio error a failure becomes; the message names the provider and what to do."""
    detail = redact(" ".join(failure.detail.split()))[:MAX_DETAIL]
    code = f" ({failure.code})" if failure.code != "" else ""
    title = info.title
    if failure.kind is Kind.AUTH:
        return FailedPrecondition(f"{title} refused the key{code}: {detail}; check {info.key_variables()}")
    if failure.kind is Kind.QUOTA:
        return FailedPrecondition(f"{title} cannot run the job on this account{code}: {detail}")
    if failure.kind is Kind.POLICY:
        return InvalidInput(f"{title} refused the content{code}: {detail}; change the prompt or the image")
    if failure.kind is Kind.INVALID:
        return InvalidInput(f"{title} rejected the request{code}: {detail}")
    if failure.kind is Kind.RETRY:
        if failure.code == 429 or "rate" in detail.lower():
            return Overloaded(f"{title} is rate limiting this key{code}: {detail}; try again later")
        return Unavailable(f"{title} is unavailable{code}: {detail}; try again later")
    return ProviderFailed(f"{title} failed the job{code}: {detail}")


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 4
    max_wait: float = 60.0
    base: float = 1.0

    def backoff(self, attempt: int) -> float:
        """Exponential with full jitter: attempt 1 waits up to `base`, attempt 2 up to 2x, ..."""
        return min(self.max_wait, self.base * 2 ** (attempt - 1) * random.uniform(0.5, 1.0))


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every provider connection: building one reads the CA bundle (tens of ms,
    on the event loop), which a burst of jobs would otherwise pay once per client."""
    return httpx.create_ssl_context()


def _origin(url: httpx.URL | str) -> str:
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}".lower()


class ProviderTransport(httpx.AsyncBaseTransport):
    """Retry, error convention and origin checks around an inner transport (see the module docstring)."""

    def __init__(
        self,
        info: ProviderInfo,
        *,
        allowed: list[str] | None,
        convention: Convention = http_convention,
        policy: RetryPolicy | None = None,
        rewrite: dict[str, str] | None = None,
        inner: httpx.AsyncBaseTransport | None = None,
        read_success: bool = True,
    ) -> None:
        self.info = info
        #: URL prefixes requests may go to ("https://api.replicate.com", "http://127.0.0.1:8765/fal");
        #: None when the caller checks every URL itself (result downloads).
        self.allowed = None if allowed is None else [prefix.rstrip("/") for prefix in allowed]
        self.convention = convention
        self.policy = policy or RetryPolicy()
        #: Origin -> URL prefix, for SDKs whose API origin is hard-coded (fal-client's queue host).
        self.rewrite = {_origin(source): target.rstrip("/") for source, target in (rewrite or {}).items()}
        self.inner = inner or httpx.AsyncHTTPTransport(verify=tls_context())
        #: Read successful answers too (JSON APIs, whose 200s may carry errors); off for downloads.
        self.read_success = read_success

    def _route(self, request: httpx.Request) -> None:
        target = self.rewrite.get(_origin(request.url))
        if target is not None:
            path = request.url.raw_path.decode("ascii")
            request.url = httpx.URL(target + path)
            request.headers["host"] = request.url.netloc.decode("ascii")
        if self.allowed is None:
            return
        url = str(request.url)
        if not any(
            url == prefix or url.startswith(prefix + "/") or url.startswith(prefix + "?") for prefix in self.allowed
        ):
            raise ProviderFailed(
                f"{self.info.title}: refused to send a request to {_origin(request.url)}, which is not its "
                f"configured API ({', '.join(_origin(p) for p in self.allowed)})"
            )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._route(request)
        await request.aread()  # a body we can send again
        attempt = 0
        while True:
            attempt += 1
            last = attempt > self.policy.retries
            try:
                response = await self.inner.handle_async_request(request)
            except httpx.TransportError as error:
                unanswered = Failure(Kind.RETRY, f"no answer from {request.url.host} ({type(error).__name__})")
                if last:
                    raise error_for(self.info, unanswered) from None
                await self._wait(attempt, None, unanswered)
                continue
            if response.status_code < 400 and not self.read_success:
                return response
            await response.aread()
            answer = Answer(response.status_code, response.headers, response.text)
            failure = self.convention(answer)
            if failure is None:
                return response
            if failure.kind is not Kind.RETRY:
                raise error_for(self.info, failure)
            wait = retry_after_seconds(response.headers)
            if last or (wait is not None and wait > self.policy.max_wait):
                if wait is not None and wait > self.policy.max_wait:
                    failure = Failure(failure.kind, f"{failure.detail} (asks to wait {wait:.0f} s)", failure.code)
                raise error_for(self.info, failure)
            await self._wait(attempt, wait, failure)

    async def _wait(self, attempt: int, asked: float | None, failure: Failure) -> None:
        delay = asked if asked is not None else self.policy.backoff(attempt)
        log.warning(
            "%s answered %s; retry %d/%d in %.1f s",
            self.info.title,
            failure.code or failure.detail,
            attempt,
            self.policy.retries,
            delay,
        )
        await sleep(delay)

    async def aclose(self) -> None:
        await self.inner.aclose()


def api_transport(
    info: ProviderInfo, settings: ProviderSettings, convention: Convention = http_convention, rewrite_from: str = ""
) -> ProviderTransport:
    """The transport to `info`'s configured API, with the configured retry policy (for SDKs that take one)."""
    base = settings.api_url(info)
    return ProviderTransport(
        info,
        allowed=[base],
        convention=convention,
        policy=RetryPolicy(settings.provider_retries, settings.provider_retry_max_wait),
        rewrite={rewrite_from: base} if rewrite_from else None,
    )


def api_client(
    info: ProviderInfo,
    settings: ProviderSettings,
    *,
    headers: dict[str, str] | None = None,
    convention: Convention = http_convention,
    rewrite_from: str = "",
) -> httpx.AsyncClient:
    """An httpx client for `info`'s configured API, through ProviderTransport (close it after the job).

    `rewrite_from` is an origin an SDK hard-codes (fal-client's https://queue.fal.run), sent to the
    configured base instead.
    """
    base = settings.api_url(info)
    return httpx.AsyncClient(
        base_url=base,
        headers=headers or {},
        transport=api_transport(info, settings, convention, rewrite_from),
        timeout=settings.provider_request_timeout,
        follow_redirects=False,
    )


@contextlib.asynccontextmanager
async def provider_errors(info: ProviderInfo) -> AsyncIterator[None]:
    """Let a StudioError raised under an SDK out as itself (SDKs wrap transport errors in their own).

    Anything else an SDK raises becomes ProviderFailed, its message scrubbed of keys.
    """
    try:
        yield
    except StudioError:
        raise
    except Exception as error:  # noqa: BLE001 - an SDK's own error types: translated, never swallowed
        cause: BaseException | None = error
        while cause is not None:
            if isinstance(cause, StudioError):
                raise cause from None
            cause = cause.__cause__ or cause.__context__
        raise ProviderFailed(f"{info.title}: {redact(str(error))[:MAX_DETAIL] or type(error).__name__}") from None
