"""The provider transport: retries with Retry-After, one error vocabulary, and requests only to the configured API."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from studio.core.errors import FailedPrecondition, InvalidInput, Overloaded, ProviderFailed, Unavailable
from studio.core.providers.catalog import PROVIDERS
from studio.core.providers.transport import ProviderTransport, RetryPolicy
from studio.core.retry_after import retry_after_seconds as retry_after

FAL = PROVIDERS["fal"]


def client(
    answers: list[httpx.Response | Exception], seen: list[httpx.Request], **options: object
) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    inner = httpx.MockTransport(handler)
    wrapped = ProviderTransport(FAL, allowed=["https://queue.fal.run"], inner=inner, policy=RetryPolicy(2, 30.0),
                                **options)  # type: ignore[arg-type]  # fmt: skip
    return httpx.AsyncClient(transport=wrapped)


def test_retry_after_in_its_three_forms() -> None:
    assert retry_after(httpx.Headers({"Retry-After": "7"})) == 7.0
    assert retry_after(httpx.Headers({"retry-after-ms": "1500"})) == 1.5
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < (retry_after(httpx.Headers({"Retry-After": later})) or 0) <= 30
    assert retry_after(httpx.Headers({"Retry-After": "soon"})) is None
    assert retry_after(httpx.Headers()) is None


async def test_5xx_and_unanswered_requests_are_retried_with_the_same_body(waits: list[float]) -> None:
    seen: list[httpx.Request] = []
    answers: list[httpx.Response | Exception] = [
        httpx.Response(503, json={"detail": "busy"}),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"ok": 1}),
    ]
    async with client(answers, seen) as http:
        response = await http.post("https://queue.fal.run/fal-ai/flux/schnell", json={"prompt": "x"})
    assert response.json() == {"ok": 1}
    assert len(seen) == 3 and {r.content for r in seen} == {b'{"prompt":"x"}'}
    assert len(waits) == 2 and all(0 < w <= 2 for w in waits)  # exponential backoff without Retry-After


async def test_retries_run_out_into_a_clear_error(waits: list[float]) -> None:
    busy = [httpx.Response(502, text="bad gateway") for _ in range(3)]
    async with client(list(busy), []) as http:
        with pytest.raises(Unavailable, match=r"fal.ai is unavailable \(502\)"):
            await http.get("https://queue.fal.run/x")
    limited = [httpx.Response(429, json={"detail": "slow down"}, headers={"Retry-After": "3"}) for _ in range(3)]
    async with client(list(limited), []) as http:
        with pytest.raises(Overloaded, match="rate limiting"):
            await http.get("https://queue.fal.run/x")
    assert len(waits) == 4 and all(0 < w <= 2 for w in waits[:2])
    assert waits[2:] == [3.0, 3.0]  # the wait the provider asked for


@pytest.mark.parametrize(
    ("status", "body", "error", "words"),
    [
        (
            401,
            {"detail": "Unauthorized"},
            FailedPrecondition,
            "refused the key (401): Unauthorized; check STUDIO_FAL_KEY",
        ),
        (402, {"detail": "Insufficient balance"}, FailedPrecondition, "cannot run the job on this account"),
        (
            422,
            {"detail": [{"loc": ["body", "prompt"], "msg": "field required"}]},
            InvalidInput,
            "prompt: field required",
        ),
        (404, {"detail": "Request not found"}, ProviderFailed, "failed the job (404)"),
    ],
)
async def test_other_answers_are_not_retried(
    status: int, body: object, error: type[Exception], words: str, waits: list[float]
) -> None:
    seen: list[httpx.Request] = []
    async with client([httpx.Response(status, json=body)], seen) as http:
        with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
            await http.get("https://queue.fal.run/x")
    assert len(seen) == 1 and waits == []


async def test_requests_go_only_to_the_configured_api() -> None:
    seen: list[httpx.Request] = []
    async with client([httpx.Response(200)], seen) as http:
        for url in ("http://169.254.169.254/latest/meta-data", "https://queue.fal.run.evil.example/x",
                    "https://queue.fal.run@evil.example/x"):  # fmt: skip
            with pytest.raises(ProviderFailed, match="not its configured API"):
                await http.get(url)
    assert seen == []


async def test_a_hard_coded_sdk_origin_is_sent_to_the_configured_base() -> None:
    seen: list[httpx.Request] = []
    inner = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200))  # type: ignore[func-returns-value]
    wrapped = ProviderTransport(FAL, allowed=["http://127.0.0.1:8765/fal"], inner=inner,
                                rewrite={"https://queue.fal.run": "http://127.0.0.1:8765/fal"})  # fmt: skip
    async with httpx.AsyncClient(transport=wrapped) as http:
        await http.get("https://queue.fal.run/fal-ai/flux/requests/abc/status?logs=0")
    assert str(seen[0].url) == "http://127.0.0.1:8765/fal/fal-ai/flux/requests/abc/status?logs=0"
