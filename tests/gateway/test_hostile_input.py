"""Malformed and hostile input is a 400/413 that says what was wrong, leaves nothing behind, and logs no
traceback: NUL characters anywhere (PostgreSQL refuses them), malformed multipart forms, audio headers
no service handles, and error details that would name the server's scratch paths."""

from __future__ import annotations

import asyncio
import logging
import shutil
import uuid
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from tests.core.test_media import HOSTILE_WAVS, wav_bytes
from tests.gateway.stack import Stack
from tests.gateway.test_security import assert_problem, counts, stored_uploads

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
NUL = "bad\u0000text"
ASSET = str(uuid.uuid4())
#: One JSON body per route family, each with a NUL in the field named (nested fields too).
JSON_ROUTES = [
    ("/api/v1/audio/generate-speech", {"text": NUL}, "text"),
    ("/api/v1/audio/generate-music", {"description": NUL}, "description"),
    ("/api/v1/image/generate", {"prompt": NUL}, "prompt"),
    ("/api/v1/image/edit", {"image_asset_id": ASSET, "instruction": NUL}, "instruction"),
    ("/api/v1/image/upscale", {"image_asset_id": NUL}, "image_asset_id"),
    ("/api/v1/video/animate", {"image_asset_id": ASSET, "motion": NUL}, "motion"),
    ("/api/v1/video/create-avatar", {"portrait_asset_id": ASSET, "audio_asset_id": NUL}, "audio_asset_id"),
    ("/api/v1/studio/create-project", {"name": NUL}, "name"),
    ("/api/v1/studio/projects", {"name": "x", "briefing": NUL}, "briefing"),
    (
        "/api/v1/studio/generate-content",
        {"project_id": ASSET, "screenplay": {"scenes": [{"t": NUL}]}},
        "screenplay.scenes[0].t",
    ),
    ("/api/v1/audio/generate-speech", {"text": "hi", "webhook": {"url": "http://127.0.0.1/\u0000"}}, "webhook.url"),
    ("/api/v1/webhooks", {"url": "http://127.0.0.1/hook", "events": [NUL]}, "events[0]"),
    ("/api/v1/image/generate", {"prompt": "x", "\u0000": 1}, "body (a key)"),
]
OPENAI_ROUTES = [
    ("/v1/audio/speech", {"model": "tts-1", "voice": "alloy", "input": NUL}, "input"),
    ("/v1/images/generations", {"prompt": NUL}, "prompt"),
]


async def _webhooks(db: asyncpg.Connection) -> int:
    return int(await db.fetchval("SELECT count(*) FROM webhooks"))


@pytest.fixture
def no_tracebacks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Client mistakes are answered, not logged as errors with a traceback (a tenant could flood the logs)."""
    with caplog.at_level(logging.INFO):
        yield
    loud = [
        r
        for r in caplog.get_records("call")
        if r.name.startswith("studio") and (r.levelno >= logging.ERROR or r.exc_info)
    ]
    assert not loud, [r.getMessage() for r in loud]


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize(("path", "body", "field"), JSON_ROUTES, ids=[f"{p}:{f}" for p, _, f in JSON_ROUTES])
async def test_nul_in_a_json_field_is_400_naming_it(
    client: httpx.AsyncClient, db: asyncpg.Connection, path: str, body: dict[str, object], field: str
) -> None:
    before, hooks = await counts(db), await _webhooks(db)
    response = await client.post(path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert assert_problem(response, 400)["detail"] == f"{field}: must not contain NUL characters"
    assert await counts(db) == before and await _webhooks(db) == hooks


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize(("path", "body", "field"), OPENAI_ROUTES, ids=[p for p, _, _ in OPENAI_ROUTES])
async def test_nul_on_openai_routes_is_an_openai_400(
    client: httpx.AsyncClient, db: asyncpg.Connection, path: str, body: dict[str, object], field: str
) -> None:
    before = await counts(db)
    response = await client.post(path, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error == {
        "message": f"{field}: must not contain NUL characters",
        "type": "invalid_request_error",
        "param": field,
        "code": None,
    }
    assert await counts(db) == before


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize(
    ("method", "url", "field"),
    [
        ("GET", "/api/v1/jobs?cursor=a%00b", "cursor"),
        ("GET", "/api/v1/assets?kind=%00", "kind"),
        ("GET", "/api/v1/studio/projects?x%00=1", "a query parameter's name"),
        ("GET", "/api/v1/audio/voices/a%00b", "voice_id"),
        ("DELETE", "/api/v1/webhooks/a%00b", "webhook_id"),
        ("GET", "/files/runs/a%00b?expires=1&tenant=x&signature=y", "key"),
        ("POST", "/api/v1/jobs/a%00b/cancel", "job_id"),
    ],
)
async def test_nul_in_a_query_or_path_parameter_is_400_naming_it(
    client: httpx.AsyncClient, method: str, url: str, field: str
) -> None:
    assert (
        assert_problem(await client.request(method, url), 400)["detail"] == f"{field}: must not contain NUL characters"
    )


async def test_nul_in_a_header_is_refused_before_the_app(stack: Stack, key: str) -> None:
    """The HTTP server refuses it (RFC 9110 forbids NUL in field values); the app checks too, for other servers."""
    reader, writer = await asyncio.open_connection("127.0.0.1", stack.port)
    writer.write(
        b"GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key.encode() + b"\r\n"
        b"Idempotency-Key: a\x00b\r\nConnection: close\r\n\r\n"
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    assert answer.startswith(b"HTTP/1.1 400 ")


def _multipart(*parts: bytes) -> tuple[bytes, dict[str, str]]:
    body = b"".join(b"--XyZ\r\n" + part + b"\r\n" for part in parts) + b"--XyZ--\r\n"
    return body, {"content-type": "multipart/form-data; boundary=XyZ"}


WAV_PART = b'Content-Disposition: form-data; name="%s"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n'
UPLOAD_ROUTES = [("/api/v1/assets", b"file", b""), ("/api/v1/audio/clone-voice", b"sample", b"name")]


def _text_part(name: bytes, value: bytes) -> bytes:
    return b'Content-Disposition: form-data; name="' + name + b'"\r\n\r\n' + value


@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize(("path", "file_field", "text_field"), UPLOAD_ROUTES, ids=["assets", "clone-voice"])
@pytest.mark.parametrize(
    ("case", "status", "expected"),
    [
        ("non-utf8 field", 400, "multipart/form-data: a form field is not UTF-8 text"),
        ("unknown charset", 400, "multipart/form-data: a form field is not UTF-8 text"),
        ("file without filename", 400, ': must be a file part (Content-Disposition: form-data; name="'),
        ("CR/LF in filename", 400, ": the filename must not contain control characters (CR, LF, NUL)"),
        ("NUL in a text field", 400, ": must not contain NUL characters"),
        ("too many parts", 413, "multipart/form-data over its limits"),
        ("header line too long", 413, "multipart/form-data over its limits"),
        ("truncated", 400, "malformed multipart/form-data"),
        ("unknown field", 400, "colour: unknown form field; this endpoint takes "),
    ],
)
async def test_malformed_multipart_is_a_clear_4xx_and_stores_nothing(
    client: httpx.AsyncClient,
    stack: Stack,
    db: asyncpg.Connection,
    path: str,
    file_field: bytes,
    text_field: bytes,
    case: str,
    status: int,
    expected: str,
) -> None:
    wav = (WAV_PART % file_field) + wav_bytes(seconds=1.0)
    name = _text_part(b"name", b"voice") if text_field else _text_part(b"project_id", b"")
    parts: list[bytes] = {
        "non-utf8 field": [wav, _text_part(text_field or b"project_id", b"\xff\xfe\xfa")],
        "unknown charset": [
            wav,
            b'Content-Disposition: form-data; name="x"\r\nContent-Type: text/plain; charset=no-such\r\n\r\nv',
        ],
        "file without filename": [_text_part(file_field, b"RIFF....WAVE"), name],
        "CR/LF in filename": [
            b'Content-Disposition: form-data; name="'
            + file_field
            + b'"; filename="a\rb.wav"\r\nContent-Type: audio/wav\r\n\r\n'
            + wav_bytes(),
            name,
        ],
        "NUL in a text field": [wav, _text_part(text_field or b"project_id", b"a\x00b")],
        "too many parts": [wav, name, *(_text_part(text_field or b"project_id", b"") for _ in range(20))],
        "header line too long": [wav, _text_part(b"x" * 5000, b"1")],
        "unknown field": [wav, name, _text_part(b"colour", b"blue")],
    }.get(case, [])
    if case == "truncated":
        body, headers = _multipart(wav)
        body = body[:200]
    else:
        body, headers = _multipart(*parts)
    before, files = await counts(db), stored_uploads(stack)
    detail = assert_problem(await client.post(path, content=body, headers=headers), status)["detail"]
    assert expected in detail
    assert await counts(db) == before and stored_uploads(stack) == files


async def test_an_upload_over_the_limit_is_413(client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection) -> None:
    before, files = await counts(db), stored_uploads(stack)
    with stack.overridden(max_upload_bytes=10_000):
        response = await client.post("/api/v1/assets", files={"file": ("a.wav", wav_bytes(seconds=1.0), "audio/wav")})
    body = assert_problem(response, 413)
    assert "larger than 10000 bytes" in body["detail"] and "Request Entity Too Large" not in body["detail"]
    assert await counts(db) == before and stored_uploads(stack) == files


@needs_ffmpeg
@pytest.mark.usefixtures("no_tracebacks")
@pytest.mark.parametrize("case", sorted(HOSTILE_WAVS))
@pytest.mark.parametrize(
    ("path", "field", "data"), [("/api/v1/assets", "file", {}), ("/api/v1/audio/clone-voice", "sample", {"name": "v"})]
)
async def test_wav_headers_no_service_handles_are_400(
    client: httpx.AsyncClient,
    stack: Stack,
    db: asyncpg.Connection,
    case: str,
    path: str,
    field: str,
    data: dict[str, str],
) -> None:
    wav, message = HOSTILE_WAVS[case]
    before, files = await counts(db), stored_uploads(stack)
    response = await client.post(path, files={field: ("in.wav", wav, "audio/wav")}, data=data)
    detail = assert_problem(response, 400)["detail"]
    assert detail.startswith("the upload: ") and message in detail
    assert await counts(db) == before and stored_uploads(stack) == files


@pytest.mark.usefixtures("no_tracebacks")
async def test_error_details_never_name_server_paths(
    client: httpx.AsyncClient, stack: Stack, db: asyncpg.Connection
) -> None:
    """PIL names the file it could not identify; the client must not learn the gateway's scratch paths."""
    before, files = await counts(db), stored_uploads(stack)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    detail = assert_problem(await client.post("/api/v1/assets", files={"file": ("a.png", png, "image/png")}), 400)[
        "detail"
    ]
    assert "unreadable PNG image" in detail and "/tmp" not in detail and "studio-upload" not in detail
    assert await counts(db) == before and stored_uploads(stack) == files
