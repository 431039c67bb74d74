"""Expiring download links, signed by the gateway, for artifacts kept in a local directory.

With S3 a download link is the store's presigned URL and the S3 server checks it. A local
directory has no server of its own, so the gateway plays that part: a link is
`/files/<key>?expires=<unix time>&tenant=<account id>&signature=<hex>`, the signature an
HMAC-SHA256 over the key, the expiry and the tenant under a secret derived from
STUDIO_JWT_SECRET. Whoever holds a link may fetch that one key, without an API key, until
it expires or every API key of the account is revoked; any other key, expiry or tenant breaks the
signature, and nothing can be listed. Links answer `Range` requests (206), so a player that is
handed one (POST /api/v1/assets/{id}/url) streams and seeks instead of fetching the whole file.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Annotated

from litestar import Controller, Response, get
from litestar.params import Parameter
from litestar.response import Stream

from studio.core.errors import StudioError
from studio.gateway.context import Gateway
from studio.gateway.http.ranges import byte_range
from studio.gateway.openapi import LINK_RESPONSES

PATH = "/files"
_PURPOSE = b"studio download links v1"


class LinkRefused(StudioError):
    """A download link that is forged, altered, expired or no longer backed by a live API key."""

    http_status = 403


def _secret(gateway: Gateway) -> bytes:
    """A key of its own for links, so a link signature can never pass for a web UI token or vice versa."""
    return hmac.new(gateway.jwt_secret.encode(), _PURPOSE, hashlib.sha256).digest()


def sign(gateway: Gateway, key: str, expires: int, tenant: str) -> str:
    return hmac.new(_secret(gateway), f"{key}\n{expires}\n{tenant}".encode(), hashlib.sha256).hexdigest()


async def download_url(gateway: Gateway, key: str, tenant: uuid.UUID, seconds: int, base: str = "") -> str:
    """Where a client fetches an artifact without credentials: the S3 presigned URL, else a signed link.

    `base` ("https://studio.example.com") makes a signed link absolute; without it the link is a path.
    """
    url = await gateway.artifacts.presigned_get_url(key, seconds)
    if url.startswith(("http://", "https://")):
        return url
    expires = int(time.time()) + seconds
    query = urllib.parse.urlencode(
        {"expires": expires, "tenant": tenant.hex, "signature": sign(gateway, key, expires, tenant.hex)}
    )
    return f"{base.rstrip('/')}{PATH}/{urllib.parse.quote(key)}?{query}"


async def _check(gateway: Gateway, key: str, expires: int, tenant: str, given: str) -> None:
    # compare_digest takes as long whatever the first differing character: no timing oracle.
    if not hmac.compare_digest(sign(gateway, key, expires, tenant).encode(), given.encode()):
        raise LinkRefused("this download link is not valid: it was altered or not issued by this studio")
    if expires < time.time():
        raise LinkRefused("this download link has expired; ask the API for a new one")
    live = await gateway.keys.account_active(uuid.UUID(hex=tenant))
    if not live:
        raise LinkRefused("this download link belongs to an account whose API keys were all revoked")


class SignedLinkController(Controller):
    path = PATH
    tags = ("assets",)

    @get(
        "/{key:path}",
        operation_id="download_signed_link",
        summary="An artifact's bytes through an expiring link the API handed out (no API key needed)",
        opt={"public": True},
        responses=LINK_RESPONSES,
    )
    async def download(
        self,
        gateway: Gateway,
        key: str,
        expires: int,
        tenant: Annotated[str, Parameter(pattern="^[0-9a-f]{32}$")],
        signature: Annotated[str, Parameter(pattern="^[0-9a-f]{64}$")],
        range_: Annotated[str | None, Parameter(header="Range", required=False)] = None,
    ) -> Stream | Response[None]:
        key = key.lstrip("/")
        await _check(gateway, key, expires, tenant, signature)
        ref = await gateway.artifacts.stat(key)
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'attachment; filename="{Path(key).name}"',
            "ETag": f'"{ref.sha256}"',
            "Cache-Control": "private, no-store",
        }
        chosen = byte_range(range_, ref.size)  # 416 past the end
        if chosen is None:
            return Stream(
                gateway.artifacts.iter_verified(key, ref.size, ref.sha256),
                media_type=ref.content_type,
                headers={**headers, "Content-Length": str(ref.size)},
            )
        start, length = chosen
        return Stream(
            gateway.artifacts.iter_range(key, start, length),
            status_code=206,
            media_type=ref.content_type,
            headers={
                **headers,
                "Content-Length": str(length),
                "Content-Range": f"bytes {start}-{start + length - 1}/{ref.size}",
            },
        )
