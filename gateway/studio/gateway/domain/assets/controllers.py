"""Upload media, read asset metadata, download asset bytes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, Parameter
from litestar.response import Redirect, Stream

from studio.core.artifacts.base import check_recorded
from studio.gateway.context import Gateway
from studio.gateway.domain.assets.schemas import UploadForm
from studio.gateway.jobs.ids import parse_uuid
from studio.gateway.jobs.schemas import Asset
from studio.gateway.jobs.submit import owned_project
from studio.gateway.jobs.views import asset_out
from studio.gateway.openapi import DOWNLOAD_RESPONSES, UPLOAD, UPLOAD_RESPONSES
from studio.gateway.signed_links import download_url
from studio.gateway.uploads.checks import UploadInfo, validate_media
from studio.gateway.uploads.storage import stored_upload

AssetType = Literal["audio", "image", "video", "subtitles", "voice_profile", "data"]


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
    )
    async def download(
        self,
        gateway: Gateway,
        owner: uuid.UUID,
        asset_id: str,
        mode: Literal["redirect", "stream"] | None = None,
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
        return Stream(
            gateway.artifacts.iter_verified(row["key"], row["size"], row["sha256"]),
            media_type=row["content_type"],
            headers={
                "Content-Length": str(row["size"]),
                "Content-Disposition": f'attachment; filename="{row["id"]}{suffix}"',
                "ETag": f'"{row["sha256"]}"',
            },
        )
