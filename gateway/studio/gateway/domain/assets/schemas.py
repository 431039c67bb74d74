"""Upload form of the assets endpoint."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import UploadFile


@dataclass
class UploadForm:
    """multipart/form-data: `file` (PNG, JPEG or WebP image; WAV, MP3, AAC, OGG, FLAC, M4A or WebM audio)."""

    file: UploadFile
    project_id: str | None = None
