"""Pick the artifact store from settings."""

from __future__ import annotations

from studio.core.artifacts.base import ArtifactStore
from studio.core.settings import StudioSettings


def open_store(settings: StudioSettings) -> ArtifactStore:
    if settings.artifacts == "s3":
        from studio.core.artifacts.s3 import S3ArtifactStore

        return S3ArtifactStore(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            region=settings.s3_region,
            secure=settings.s3_secure,
            public_endpoint=settings.s3_public_endpoint,
        )
    from studio.core.artifacts.local import LocalArtifactStore

    return LocalArtifactStore(settings.artifacts_dir, settings.s3_bucket)
