"""The image model server's ServiceDefinition (operations are added by its own issue)."""

from __future__ import annotations

from studio.core.artifacts import ArtifactStore
from studio.core.operations import ServiceDefinition


def build_service(artifacts: ArtifactStore) -> ServiceDefinition:
    return ServiceDefinition(name="image", grpc_service="studio.v1.ImageService")
