"""Upload form of the assets endpoint, media URLs for players, and the upload limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec
from litestar.datastructures import UploadFile


@dataclass
class UploadForm:
    """multipart/form-data: `file` (PNG, JPEG or WebP image; WAV, MP3, AAC, OGG, FLAC, M4A or WebM audio)."""

    file: UploadFile
    project_id: str | None = None


class MediaUrl(msgspec.Struct):
    """Where a player fetches an asset without credentials (it streams and seeks: Range is answered)."""

    url: str
    expires_at: datetime


class Limits(msgspec.Struct):
    """What the server accepts, so a client can refuse a file before uploading it."""

    min_voice_sample_seconds: float
    max_voice_sample_seconds: float
    max_upload_bytes: int
    max_audio_upload_seconds: float
    max_image_pixels: int
