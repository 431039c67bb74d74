"""The Python SDK of Media Studio: a typed client of the gateway's REST API, synchronous and asynchronous."""

from studio.sdk.client import AsyncStudioClient
from studio.sdk.errors import AuthError
from studio.sdk.sync import StudioClient
from studio.sdk.types import Asset, Audio, Image, Job, JobError, Project, ProjectDetail, ProjectStep, Video, Voice

__all__ = [
    "Asset",
    "AsyncStudioClient",
    "Audio",
    "AuthError",
    "Image",
    "Job",
    "JobError",
    "Project",
    "ProjectDetail",
    "ProjectStep",
    "StudioClient",
    "Video",
    "Voice",
]
