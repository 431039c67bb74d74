"""Artifact storage: one interface (`ArtifactStore`), a local directory and S3/MinIO."""

from studio.core.artifacts.base import ArtifactStore, guess_content_type, sha256_file
from studio.core.artifacts.factory import open_store

__all__ = ["ArtifactStore", "guess_content_type", "open_store", "sha256_file"]
