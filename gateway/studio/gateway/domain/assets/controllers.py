"""Upload media, read asset metadata, download asset bytes (with Range) or hand a player a signed URL,
thumbnails, exports, delete; upload limits."""

from __future__ import annotations

import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from litestar import Controller, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import File, Redirect, Stream

from studio.core.artifacts.base import check_recorded
from studio.gateway.context import Gateway
from studio.gateway.domain.assets.conversions import EXPORTS, Converted, export, export_target, thumbnail
from studio.gateway.domain.assets.schemas import Limits, MediaUrl, UploadForm
from studio.gateway.domain.assets.services import delete_asset
from studio.gateway.http.ranges import byte_range
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.schemas import Asset
from studio.gateway.jobs.submit import owned_project
from studio.gateway.jobs.views import asset_out
from studio.gateway.openapi import DOWNLOAD_RESPONSES, ERROR_RESPONSES, UPLOAD, UPLOAD_RESPONSES, problem_response
from studio.gateway.signed_links import download_url
from studio.gateway.uploads.checks import UploadInfo, validate_media
from studio.gateway.uploads.storage import stored_upload

#: How long a player's media URL works (long enough to watch a film and seek in it).
MEDIA_URL_SECONDS = 3600

AssetType = Literal["audio", "image", "video", "subtitles", "voice_profile", "data"]
ExportFormat = Literal["png", "jpeg", "webp", "wav", "mp3", "mp4"]
#: How long a browser may keep a thumbnail (it never changes: assets are write-once).
THUMBNAIL_MAX_AGE = 86400


def _converted(converted: Converted, filename: str | None, headers: dict[str, str]) -> File:
    """The converted file, its scratch folder removed once it is sent."""
    return File(
        converted.path,
        filename=filename or converted.path.name,
        media_type=converted.content_type,
        content_disposition_type="attachment" if filename else "inline",
        headers=headers,
        background=BackgroundTask(shutil.rmtree, converted.scratch, ignore_errors=True),
    )


class AssetController(Controller):
    path = "/api/v1/assets"
    tags = ("assets",)

    @post(
        "/",
        operation_id="upload_asset",
        summary="Upload an image or audio file to use as a job input",
        opt={"body_limit": UPLOAD},
        responses=UPLOAD_RESPONSES,
        status_code=201,
    )
    async def upload(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> Asset:
        settings = gateway.settings
        project = await owned_project(gateway, owner, data.project_id or None)

        async def validate(path: Path, declared: str) -> UploadInfo:
            return await validate_media(path, declared, settings.max_audio_upload_seconds, settings.max_image_pixels)

        async with stored_upload(gateway, owner, data.file, "upload", validate) as upload:
            row = await gateway.assets.insert(
                owner_id=owner,
                ref=upload.ref,
                role="upload",
                project_id=project,
                metadata=upload.info.metadata,
                asset_id=upload.asset_id,
            )
        assert row is not None
        return asset_out(gateway, row)

    @get("/", operation_id="list_assets", summary="Your assets, newest first")
    async def list_assets(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        asset_type: Annotated[AssetType | None, Parameter(query="type")] = None,
        project_id: uuid.UUID | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0,
    ) -> list[Asset]:
        rows = await gateway.assets.page(owner, type_=asset_type, project_id=project_id, limit=limit, offset=offset)
        return [asset_out(gateway, row) for row in rows]

    @get("/{asset_id:str}", operation_id="get_asset", summary="An asset's metadata and links")
    async def get_asset(self, gateway: Gateway, owner: uuid.UUID, asset_id: str) -> Asset:
        return asset_out(gateway, await gateway.assets.get(owner, parse_uuid(asset_id, "asset")))

    @get(
        "/{asset_id:str}/download",
        operation_id="download_asset",
        responses=DOWNLOAD_RESPONSES,
        summary="The asset's bytes, streamed, or a redirect to an expiring link (S3 presigned or gateway-signed)",
        description="A streamed answer honours one `Range: bytes=<start>-<end>` (206 with Content-Range; 416 past "
        "the end), so players can seek.",
    )
    async def download(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        asset_id: str,
        mode: Literal["redirect", "stream"] | None = None,
        range_: Annotated[
            str | None, Parameter(header="Range", required=False, max_length=200, description="bytes=<start>-<end>")
        ] = None,
        if_range: Annotated[str | None, Parameter(header="If-Range", required=False, max_length=200)] = None,
    ) -> Stream | Redirect:
        row = await gateway.assets.get(owner, parse_uuid(asset_id, "asset"))
        chosen = mode or gateway.settings.download_mode
        if chosen == "auto":
            chosen = "redirect" if gateway.settings.artifacts == "s3" else "stream"
        # The recorded size and sha256 are what the client is promised: a stored file that no longer
        # matches them is refused (409) before anything is sent, and checked again while streaming.
        check_recorded(await gateway.artifacts.stat(row["key"]), row["size"], row["sha256"])
        if chosen == "redirect":
            url = await download_url(gateway, row["key"], owner, 3600, gateway.settings.public_url)
            return Redirect(path=url, status_code=307)
        suffix = Path(row["key"]).suffix
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Disposition": f'attachment; filename="{row["id"]}{suffix}"',
            "ETag": f'"{row["sha256"]}"',
        }
        size = row["size"]
        wanted = byte_range(range_, size) if if_range in (None, headers["ETag"]) else None
        if wanted is None:
            return Stream(
                gateway.artifacts.iter_verified(row["key"], row["size"], row["sha256"]),
                media_type=row["content_type"],
                headers={**headers, "Content-Length": str(size)},
            )
        start, length = wanted
        return Stream(
            gateway.artifacts.iter_range(row["key"], start, length),
            media_type=row["content_type"],
            status_code=206,
            headers={
                **headers,
                "Content-Length": str(length),
                "Content-Range": f"bytes {start}-{start + length - 1}/{size}",
            },
        )

    @delete(
        "/{asset_id:str}",
        operation_id="delete_asset",
        summary="Delete an asset: its row and its stored bytes",
        description="Refused with 409 while an unfinished job reads it as an input, for an output of a project's "
        "production (delete the project) and for a voice's profile (delete the voice).",
        responses={**ERROR_RESPONSES, 409: problem_response("In use, or part of a production or voice")},
        status_code=204,
    )
    async def delete_asset(self, gateway: Gateway, owner: uuid.UUID, asset_id: str) -> None:
        await delete_asset(gateway, owner, parse_uuid(asset_id, "asset"))

    @get(
        "/{asset_id:str}/thumbnail",
        operation_id="asset_thumbnail",
        summary="A small WebP of an image, or of a video's frame one third in",
        description="At most `size` pixels on its longer side. Cached by the browser for a day.",
        responses={**ERROR_RESPONSES, 400: problem_response("Not an image or a video")},
        media_type="image/webp",
    )
    async def thumbnail(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        asset_id: str,
        size: Annotated[int, Parameter(ge=16, le=1024, description="Longer side in pixels")] = 256,
    ) -> File:
        row = await gateway.assets.get(owner, parse_uuid(asset_id, "asset"))
        made = await thumbnail(gateway, row, size)
        return _converted(made, None, {"Cache-Control": f"private, max-age={THUMBNAIL_MAX_AGE}"})

    @get(
        "/{asset_id:str}/export",
        operation_id="export_asset",
        summary="The asset converted to another format, as an attachment",
        description="Images: "
        + ", ".join(f for f, t in EXPORTS.items() if t.kind == "image")
        + "; audio: "
        + ", ".join(f for f, t in EXPORTS.items() if t.kind == "audio")
        + "; video: "
        + ", ".join(f for f, t in EXPORTS.items() if t.kind == "video")
        + ". A format that does not fit the "
        "asset answers 400 with the accepted list; assets larger than STUDIO_MAX_UPLOAD_BYTES are not converted "
        "(413). Asking for the asset's own format answers the original bytes.",
        responses={
            **ERROR_RESPONSES,
            400: problem_response("A format that does not fit the asset"),
            413: problem_response("Too large to convert"),
        },
    )
    async def export(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        asset_id: str,
        format_: Annotated[ExportFormat, Parameter(query="format", description="The format to convert to")],
    ) -> File:
        row = await gateway.assets.get(owner, parse_uuid(asset_id, "asset"))
        target = export_target(row, format_)
        made = await export(gateway, row, target)
        return _converted(made, f"{row['id']}.{target.extension}", {})

    @post(
        "/{asset_id:str}/url",
        operation_id="asset_url",
        status_code=200,
        summary="A short-lived URL a player can stream and seek the asset from, without credentials",
        description="On S3, a presigned URL; otherwise a gateway link signed with an HMAC and an expiry, which "
        "answers Range requests. Either stops working at `expires_at` (or when the API key is revoked).",
        responses={404: ERROR_RESPONSES[404]},
    )
    async def media_url(self, gateway: Gateway, owner: uuid.UUID, asset_id: str) -> MediaUrl:
        row = await gateway.assets.get(owner, parse_uuid(asset_id, "asset"))
        await gateway.artifacts.stat(row["key"])  # 404 now rather than a dead link, if the object is gone
        expires = int(time.time()) + MEDIA_URL_SECONDS
        url = await download_url(gateway, row["key"], owner, MEDIA_URL_SECONDS, gateway.settings.public_url)
        return MediaUrl(url=url, expires_at=datetime.fromtimestamp(expires, UTC))


class LimitsController(Controller):
    path = "/api/v1/limits"
    tags = ("assets",)

    @get("/", operation_id="get_limits", summary="What uploads the server accepts (sizes, durations, pixels)")
    async def limits(self, gateway: Gateway) -> Limits:
        settings = gateway.settings
        return Limits(
            min_voice_sample_seconds=settings.min_voice_sample_seconds,
            max_voice_sample_seconds=settings.max_voice_sample_seconds,
            max_upload_bytes=settings.max_upload_bytes,
            max_audio_upload_seconds=settings.max_audio_upload_seconds,
            max_image_pixels=settings.max_image_pixels,
        )
